using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cubicle.Accounts;
using Cubicle.Protocol;
using Cubicle.Storage;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.FileProviders;

namespace Cubicle.Server;

/// <summary>
/// The admin console at /console: static pages built into the program, and a small API behind them. One signs in
/// with an access key id and its secret (guarded like every sign-in, <see cref="SignInGuard"/>); the session lives
/// server-side, its cookie is HttpOnly and SameSite=Strict, and every change carries an anti-forgery token. The
/// pages then call the WorkSpaces, Directory Service and CloudTrail operations through /console/api/call, which
/// runs them exactly as signed calls are run, as the session's key: its policy, throttle, audit and metrics.
/// </summary>
public static class ConsoleWeb
{
    public const string CsrfHeader = "X-Cubicle-CSRF";
    private const string Cookie = "cubicle_console";
    private const string DefaultRegion = "us-east-1";
    private static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(8);

    // Scripts and styles from the console's own files only; no frames, no foreign connections.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        + "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    public static void Map(WebApplication app)
    {
        MapSite(app);
        var sessions = app.Services.GetRequiredService<BrowserSessions>();
        var keys = app.Services.GetRequiredService<IKeyStore>();
        var antiforgery = app.Services.GetRequiredService<IAntiforgery>();
        var actions = app
            .Services.GetServices<ServiceApi>()
            .SelectMany(s => s.Operations.Select(op => $"{s.SigningName}:{op.Name}"))
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToArray();
        var api = app.MapGroup("/console/api");
        api.MapGet(
            "/session",
            async Task (HttpContext http) =>
            {
                var (session, key) = await SignedInAsync(http, sessions, keys);
                await WriteSessionAsync(http, antiforgery, session, key, actions);
            }
        );
        var guard = app.Services.GetRequiredService<SignInGuard>();
        var authenticator = app.Services.GetRequiredService<Authenticator>();
        api.MapPost(
            "/sign-in",
            (HttpContext http) => SignInAsync(http, antiforgery, sessions, keys, guard, authenticator, actions)
        );
        api.MapPost(
            "/sign-out",
            async Task (HttpContext http) =>
            {
                if (await RefuseForgedAsync(http, antiforgery))
                    return;
                if (http.Request.Cookies[WebSecurity.CookieName(http.Request, Cookie)] is { } token)
                    await sessions.EndAsync(token);
                http.Response.Cookies.Delete(
                    WebSecurity.CookieName(http.Request, Cookie),
                    WebSecurity.SessionCookie(http.Request, "/console", null)
                );
                await WriteSessionAsync(http, antiforgery, null, null, actions);
            }
        );
        MapCall(app, api, sessions, keys, antiforgery);
    }

    /// <summary>The console's own pages, scripts and styles, embedded in the program.</summary>
    private static void MapSite(WebApplication app)
    {
        var site = new ManifestEmbeddedFileProvider(typeof(ConsoleWeb).Assembly, "Console/site");
        app.MapGet(
            "/console/{**path}",
            async (HttpContext http, string? path) =>
            {
                // Relative links in the pages resolve against /console/.
                if (http.Request.Path == "/console")
                    return Results.Redirect("/console/");
                var file = site.GetFileInfo(string.IsNullOrEmpty(path) ? "index.html" : path);
                if (!file.Exists || file.IsDirectory)
                    return Results.NotFound();
                WebSecurity.Headers(http, ContentSecurityPolicy);
                // The pages change with the program: revalidated each time, never served stale after an upgrade.
                http.Response.Headers.CacheControl = "no-cache";
                await using var stream = file.CreateReadStream();
                using var copy = new MemoryStream();
                await stream.CopyToAsync(copy);
                return Results.Bytes(copy.ToArray(), ContentType(file.Name));
            }
        );
    }

    private static void MapCall(
        WebApplication app,
        RouteGroupBuilder api,
        BrowserSessions sessions,
        IKeyStore keys,
        IAntiforgery antiforgery
    )
    {
        var endpoint = app.Services.GetRequiredService<ApiEndpoint>();
        // The operation is named as on the wire (X-Amz-Target: WorkspacesService.DescribeWorkspaces); the answer,
        // errors included, is the API's own.
        api.MapPost(
            "/call",
            async Task (HttpContext http) =>
            {
                if (await RefuseForgedAsync(http, antiforgery))
                    return;
                var (session, key) = await SignedInAsync(http, sessions, keys);
                if (session is null || key is null)
                {
                    await FailAsync(http, "NotSignedInException", "Sign in to the console first.", 401);
                    return;
                }
                var target = http.Request.Headers["X-Amz-Target"].ToString();
                await endpoint.HandleConsoleAsync(http, key, session.Region, target);
            }
        );
    }

    /// <summary>Signs in with an access key and its secret (guarded as desktop sign-ins are): a session cookie, and
    /// the session's description in the answer.</summary>
    private static async Task SignInAsync(
        HttpContext http,
        IAntiforgery antiforgery,
        BrowserSessions sessions,
        IKeyStore keys,
        SignInGuard guard,
        Authenticator authenticator,
        string[] actions
    )
    {
        if (await RefuseForgedAsync(http, antiforgery))
            return;
        if (await ReadSignInAsync(http, authenticator) is not { } form)
            return;
        var (id, secret, region) = form;
        var key = await keys.FindAsync(id);
        var result = await CheckSecretAsync(guard, http, id, secret, key);
        switch (result.Verdict)
        {
            case SignInGuard.Verdict.Wait or SignInGuard.Verdict.Busy:
                var seconds = (int)Math.Ceiling(result.RetryAfter.TotalSeconds);
                http.Response.Headers.RetryAfter = seconds.ToString();
                await FailAsync(
                    http,
                    "TooManyRequestsException",
                    $"Too many sign-in attempts: try again in {seconds} s.",
                    result.Verdict == SignInGuard.Verdict.Wait ? 429 : 503
                );
                return;
            case SignInGuard.Verdict.Invalid:
                await FailAsync(
                    http,
                    "UnrecognizedClientException",
                    "The access key ID or the secret access key is not valid.",
                    401
                );
                return;
        }
        var session = await StartSessionAsync(http, sessions, key!, region);
        await WriteSessionAsync(http, antiforgery, session, key, actions);
    }

    /// <summary>The form's key, secret and region, or null once the refusal is written.</summary>
    private static async Task<(string Id, string Secret, string Region)?> ReadSignInAsync(
        HttpContext http,
        Authenticator authenticator
    )
    {
        ConsoleSignIn? form;
        try
        {
            form = await JsonSerializer.DeserializeAsync(http.Request.Body, ConsoleJson.Default.ConsoleSignIn);
        }
        catch (JsonException)
        {
            form = null;
        }
        var id = form?.AccessKeyId?.Trim() ?? "";
        var secret = form?.SecretAccessKey ?? "";
        var region = string.IsNullOrWhiteSpace(form?.Region) ? DefaultRegion : form.Region.Trim();
        if (
            id.Length is 0 or > 128
            || secret.Length is 0 or > 128
            || id.Any(char.IsControl)
            || secret.Any(char.IsControl)
        )
        {
            await FailAsync(
                http,
                "ValidationException",
                "Sign in with an access key ID and its secret access key.",
                400
            );
            return null;
        }
        if (!authenticator.Serves(region))
        {
            await FailAsync(
                http,
                "ValidationException",
                "Region must be one this server serves, such as us-east-1.",
                400
            );
            return null;
        }
        return (id, secret, region);
    }

    /// <summary>A console session for the key, in its cookie; the session as the answer describes it.</summary>
    private static async Task<SessionRecord> StartSessionAsync(
        HttpContext http,
        BrowserSessions sessions,
        AccessKey key,
        string region
    )
    {
        var token = await sessions.CreateAsync(
            new SessionRecord
            {
                Kind = SessionKinds.Console,
                AccountId = key.AccountId,
                Region = region,
                Subject = key.AccessKeyId,
            },
            SessionLifetime
        );
        http.Response.Cookies.Append(
            WebSecurity.CookieName(http.Request, Cookie),
            token,
            WebSecurity.SessionCookie(http.Request, "/console", SessionLifetime)
        );
        return new SessionRecord
        {
            AccountId = key.AccountId,
            Region = region,
            Subject = key.AccessKeyId,
        };
    }

    /// <summary>
    /// The session the cookie names and its key, if both still exist (a deleted key ends its sessions).
    /// </summary>
    private static async Task<(SessionRecord? Session, AccessKey? Key)> SignedInAsync(
        HttpContext http,
        BrowserSessions sessions,
        IKeyStore keys
    )
    {
        var session = await sessions.FindAsync(
            http.Request.Cookies[WebSecurity.CookieName(http.Request, Cookie)],
            SessionKinds.Console
        );
        if (session is null)
            return (null, null);
        var key = await keys.FindAsync(session.Subject);
        return key is not null && key.AccountId == session.AccountId ? (session, key) : (null, null);
    }

    private static async Task WriteSessionAsync(
        HttpContext http,
        IAntiforgery antiforgery,
        SessionRecord? session,
        AccessKey? key,
        string[] actions
    )
    {
        var csrf = antiforgery.GetAndStoreTokens(http).RequestToken;
        var body =
            session is null || key is null
                ? new ConsoleSession(false, CsrfHeader, csrf)
                : new ConsoleSession(
                    true,
                    CsrfHeader,
                    csrf,
                    key.AccessKeyId,
                    key.AccountId,
                    key.PrincipalArn,
                    session.Region,
                    actions.ToDictionary(a => a, a => key.Policy?.MayAllow(a) ?? true)
                );
        http.Response.Headers.CacheControl = "no-store";
        await http.Response.WriteAsJsonAsync(body, ConsoleJson.Default.ConsoleSession);
    }

    /// <summary>Every change needs this site's origin and the anti-forgery token in <see cref="CsrfHeader"/>.</summary>
    private static async Task<bool> RefuseForgedAsync(HttpContext http, IAntiforgery antiforgery)
    {
        var origin = http.Request.Headers.Origin.ToString();
        if (
            origin.Length > 0
            && !(Uri.TryCreate(origin, UriKind.Absolute, out var o) && o.Authority == http.Request.Host.Value)
        )
        {
            await FailAsync(
                http,
                "AccessDeniedException",
                "Console calls must come from the console's own pages.",
                403
            );
            return true;
        }
        try
        {
            await antiforgery.ValidateRequestAsync(http);
            return false;
        }
        catch (AntiforgeryValidationException)
        {
            await FailAsync(
                http,
                "InvalidCsrfTokenException",
                "The page's anti-forgery token is missing or stale: reload the console.",
                403
            );
            return true;
        }
    }

    private static Task FailAsync(HttpContext http, string code, string message, int status)
    {
        http.Response.Headers["x-amzn-RequestId"] = http.TraceIdentifier;
        return ApiEndpoint.WriteErrorAsync(http.Response, new ApiException(code, message, status));
    }

    // An unknown key id costs the same as a wrong secret, and counts as a failure the same way. Comparing hashes of
    // a secret is quick: it takes no hashing slot, so no flood of desktop sign-ins keeps the console out.
    private static Task<SignInGuard.Result> CheckSecretAsync(
        SignInGuard guard,
        HttpContext http,
        string id,
        string secret,
        AccessKey? key
    ) =>
        guard.CheckAsync(
            SignInKeys.For("console", id, http.Connection.RemoteIpAddress),
            () => Task.FromResult(SignInGuard.Answer(SecretMatches(secret, key?.SecretAccessKey) && key is not null))
        );

    private static bool SecretMatches(string given, string? actual) =>
        CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(given)),
            SHA256.HashData(Encoding.UTF8.GetBytes(actual ?? ""))
        );

    private static string ContentType(string name) =>
        Path.GetExtension(name) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" or ".mjs" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".svg" => "image/svg+xml",
            ".png" => "image/png",
            ".ico" => "image/x-icon",
            ".json" => "application/json",
            _ => "application/octet-stream",
        };
}
