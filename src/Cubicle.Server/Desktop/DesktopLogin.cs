using Cubicle.Accounts;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;
using Microsoft.AspNetCore.Antiforgery;

namespace Cubicle.Server;

/// <summary>The sign-in form's POST: the form checked (origin, anti-forgery token, sizes), the sign-in run by
/// <see cref="DesktopSignIn"/>, and its outcome answered as a page with its status, or a session cookie.</summary>
internal static class DesktopLogin
{
    public static async Task<IResult> HandleAsync(
        HttpContext http,
        IAntiforgery antiforgery,
        DesktopSignIn signIn,
        BrowserSessions sessions
    )
    {
        if (!DesktopWeb.SameOrigin(http))
            return DesktopWeb.Html(DesktopPages.SignIn(null, "This form must be sent from this site."), 403);
        if (!http.Request.HasFormContentType)
            return DesktopWeb.Html(DesktopPages.SignIn(null, "Sign in with the form of this page."), 415);
        try
        {
            await antiforgery.ValidateRequestAsync(http);
        }
        catch (AntiforgeryValidationException)
        {
            var fresh = antiforgery.GetAndStoreTokens(http).RequestToken;
            return DesktopWeb.Html(DesktopPages.SignIn(fresh, "The form expired; sign in again."), 400);
        }
        var form = await http.Request.ReadFormAsync();
        var code = form["registration_code"].ToString().Trim();
        var user = form["user_name"].ToString().Trim();
        var password = form["password"].ToString();
        var token = antiforgery.GetAndStoreTokens(http).RequestToken;
        if (
            code.Length is 0 or > 64
            || user.Length is 0 or > 64
            || password.Length is 0 or > 1024
            || code.Any(char.IsControl)
            || user.Any(char.IsControl)
            || password.Contains('\0')
        )
            return DesktopWeb.Html(DesktopPages.SignIn(token, DesktopPages.Failed), 401);
        var outcome = await signIn.SignInAsync(code, user, password, http.Connection.RemoteIpAddress);
        if (outcome.Result != SignInOutcome.Kind.SignedIn)
            return Refused(http, token, outcome);
        await StartSessionAsync(http, sessions, outcome.Workspace!);
        return Results.Redirect("/desktop/open");
    }

    private static IResult Refused(HttpContext http, string? token, SignInOutcome outcome)
    {
        var id = outcome.Workspace?.WorkspaceId;
        var seconds = (int)Math.Ceiling(outcome.RetryAfter.TotalSeconds);
        if (outcome.Result is SignInOutcome.Kind.Wait or SignInOutcome.Kind.Busy)
            http.Response.Headers.RetryAfter = seconds.ToString();
        var (message, status) = outcome.Result switch
        {
            SignInOutcome.Kind.Wait => ($"Too many attempts: try again in {seconds} s.", 429),
            SignInOutcome.Kind.Busy => ($"Too many attempts: try again in {seconds} s.", 503),
            SignInOutcome.Kind.DirectoryUnreachable => (
                "Your directory cannot be reached right now: try again in a few minutes.",
                503
            ),
            SignInOutcome.Kind.DirectoryUnavailable => ("Your directory is not available for sign-in now.", 403),
            SignInOutcome.Kind.WebDenied => ("Your administrator does not allow signing in from a web browser.", 403),
            SignInOutcome.Kind.Maintenance => ($"Your WorkSpace {id} is under maintenance: sign in later.", 409),
            SignInOutcome.Kind.NotOpenable => (
                $"Your WorkSpace {id} is {outcome.Workspace!.State} and cannot be opened now.",
                409
            ),
            _ => (DesktopPages.Failed, 401),
        };
        return DesktopWeb.Html(DesktopPages.SignIn(token, message), status);
    }

    private static async Task StartSessionAsync(HttpContext http, BrowserSessions sessions, WorkspaceRecord ws)
    {
        var session = await sessions.CreateAsync(
            new SessionRecord
            {
                Kind = SessionKinds.Desktop,
                AccountId = ws.AccountId,
                Region = ws.Region,
                Subject = ws.WorkspaceId,
                DirectoryId = ws.DirectoryId,
                UserName = ws.UserName,
            },
            DesktopWeb.SessionLifetime
        );
        http.Response.Cookies.Append(
            WebSecurity.CookieName(http.Request, DesktopWeb.Cookie),
            session,
            WebSecurity.SessionCookie(http.Request, "/desktop", DesktopWeb.SessionLifetime)
        );
    }
}
