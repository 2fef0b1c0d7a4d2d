using Cubicle.Accounts;
using Cubicle.Desktops;
using Cubicle.Domain;
using Cubicle.Identity;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;
using Microsoft.AspNetCore.Antiforgery;

namespace Cubicle.Server;

/// <summary>
/// The browser client: users sign in as WorkSpaces users do (registration code, user name, password) and get their
/// own desktop through noVNC, over a WebSocket bridge to the desktop's private VNC socket. Sign-in is guarded
/// (<see cref="SignInGuard"/>) and its form carries an anti-forgery token; the session lives server-side and names
/// one workspace; the bridge checks it and the Origin on every connection, and closes when the session ends.
/// </summary>
public static class DesktopWeb
{
    private const string Cookie = "cubicle_desktop";
    private static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(8);

    /// <summary>States in which a signed-in user waits for the desktop to open.</summary>
    private static readonly string[] Openable =
    [
        WorkspaceState.Available,
        WorkspaceState.Pending,
        WorkspaceState.Starting,
        WorkspaceState.Rebooting,
        WorkspaceState.Rebuilding,
        WorkspaceState.Unhealthy,
    ];

    public static void Map(WebApplication app, LocalDesktopProvider desktops)
    {
        var db = app.Services.GetRequiredService<IDatabase>();
        var changes = app.Services.GetRequiredService<WorkspaceStateChanges>();
        var connections = app.Services.GetRequiredService<WorkspaceConnections>();
        var sessions = app.Services.GetRequiredService<BrowserSessions>();
        var guard = app.Services.GetRequiredService<SignInGuard>();
        var watch = app.Services.GetRequiredService<SessionWatch>();
        var antiforgery = app.Services.GetRequiredService<IAntiforgery>();
        var users = app.Services.GetRequiredService<DirectoryUsers>();

        DesktopFiles.Map(app);
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) });

        app.MapGet(
            "/desktop",
            (HttpContext http) => Html(DesktopPages.SignIn(antiforgery.GetAndStoreTokens(http).RequestToken, null))
        );

        app.MapPost(
            "/desktop/login",
            async (HttpContext http) =>
            {
                if (!SameOrigin(http))
                    return Html(DesktopPages.SignIn(null, "This form must be sent from this site."), 403);
                if (!http.Request.HasFormContentType)
                    return Html(DesktopPages.SignIn(null, "Sign in with the form of this page."), 415);
                try
                {
                    await antiforgery.ValidateRequestAsync(http);
                }
                catch (AntiforgeryValidationException)
                {
                    return Html(
                        DesktopPages.SignIn(
                            antiforgery.GetAndStoreTokens(http).RequestToken,
                            "The form expired; sign in again."
                        ),
                        400
                    );
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
                    return Html(DesktopPages.SignIn(token, DesktopPages.Failed), 401);

                var keys = SignInKeys.For(code.ToLowerInvariant(), user, http.Connection.RemoteIpAddress);
                var (directory, ds) = await db.ReadAsync(async u =>
                {
                    var d = (await u.Directories.FindByRegistrationCodeAsync(code)).FirstOrDefault();
                    return (d, d is null ? null : await u.DsDirectories.GetAsync(d.AccountId, d.Region, d.DirectoryId));
                });
                // An unknown code costs the same as a wrong password, and counts as one; its hashing shares the
                // slots of no tenant (""), so a flood of made-up codes starves none.
                var check = ds is null
                    ? SignInGuard.AgainstHash("", password, null)
                    : await users.PasswordCheckAsync(ds, user, password);
                SignInGuard.Result result;
                try
                {
                    result = await guard.CheckAsync(keys, check);
                }
                catch (LdapUnreachableException)
                {
                    return Html(
                        DesktopPages.SignIn(
                            token,
                            "Your directory cannot be reached right now: try again in a few minutes."
                        ),
                        503
                    );
                }
                switch (result.Verdict)
                {
                    case SignInGuard.Verdict.Wait or SignInGuard.Verdict.Busy:
                        var seconds = (int)Math.Ceiling(result.RetryAfter.TotalSeconds);
                        http.Response.Headers.RetryAfter = seconds.ToString();
                        return Html(
                            DesktopPages.SignIn(token, $"Too many attempts: try again in {seconds} s."),
                            result.Verdict == SignInGuard.Verdict.Wait ? 429 : 503
                        );
                    case SignInGuard.Verdict.Invalid:
                        return Html(DesktopPages.SignIn(token, DesktopPages.Failed), 401);
                }

                // The directory's own settings: registered, and web access not denied
                // (ModifyWorkspaceAccessProperties).
                var registered = directory!;
                var registration = Registrations.Parse(registered);
                if (registration.State != "REGISTERED")
                    return Html(DesktopPages.SignIn(token, "Your directory is not available for sign-in now."), 403);
                if (registration.WorkspaceAccessProperties?.DeviceTypeWeb == "DENY")
                    return Html(
                        DesktopPages.SignIn(token, "Your administrator does not allow signing in from a web browser."),
                        403
                    );

                var query = new WorkspaceQuery(
                    registered.AccountId,
                    registered.Region,
                    null,
                    registered.DirectoryId,
                    user,
                    null,
                    null,
                    0,
                    10
                );
                var ws = (await db.ReadAsync(u => u.Workspaces.ListAsync(query))).FirstOrDefault(w =>
                    w.State != WorkspaceState.Terminated
                );
                if (ws is null)
                    return Html(DesktopPages.SignIn(token, DesktopPages.Failed), 401);
                if (ws.State == WorkspaceState.AdminMaintenance)
                    return Html(
                        DesktopPages.SignIn(
                            token,
                            $"Your WorkSpace {ws.WorkspaceId} is under maintenance: sign in later."
                        ),
                        409
                    );
                if (ws.State == WorkspaceState.Stopped)
                    ws = await changes.StartForSignInAsync(ws.Seq) ?? ws;
                if (Array.IndexOf(Openable, ws.State) < 0)
                    return Html(
                        DesktopPages.SignIn(
                            token,
                            $"Your WorkSpace {ws.WorkspaceId} is {ws.State} and cannot be opened now."
                        ),
                        409
                    );

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
                    SessionLifetime
                );
                http.Response.Cookies.Append(
                    WebSecurity.CookieName(http.Request, Cookie),
                    session,
                    WebSecurity.SessionCookie(http.Request, "/desktop", SessionLifetime)
                );
                return Results.Redirect("/desktop/open");
            }
        );

        app.MapPost(
            "/desktop/logout",
            async (HttpContext http) =>
            {
                if (!SameOrigin(http))
                    return Results.StatusCode(403);
                try
                {
                    await antiforgery.ValidateRequestAsync(http);
                }
                catch (AntiforgeryValidationException)
                {
                    return Results.StatusCode(400);
                }
                if (SessionToken(http) is { } token)
                    await sessions.EndAsync(token);
                http.Response.Cookies.Delete(
                    WebSecurity.CookieName(http.Request, Cookie),
                    WebSecurity.SessionCookie(http.Request, "/desktop", null)
                );
                return Results.Redirect("/desktop");
            }
        );

        // Waits until the user's WorkSpace is AVAILABLE, then opens it (/desktop/view).
        app.MapGet(
            "/desktop/open",
            async (HttpContext http) =>
                await sessions.FindAsync(SessionToken(http), SessionKinds.Desktop) is null
                    ? Results.Redirect("/desktop")
                    : Html(DesktopPages.Open(antiforgery.GetAndStoreTokens(http).RequestToken!))
        );

        // The desktop in noVNC, on this server's bridge only: nothing in the request chooses where it connects.
        app.MapGet(
            "/desktop/view",
            async (HttpContext http) =>
                await sessions.FindAsync(SessionToken(http), SessionKinds.Desktop) is null
                    ? Results.Redirect("/desktop")
                    : Html(DesktopPages.View(antiforgery.GetAndStoreTokens(http).RequestToken!))
        );

        app.MapGet(
            "/desktop/state",
            async (HttpContext http) =>
            {
                var session = await sessions.FindAsync(SessionToken(http), SessionKinds.Desktop);
                if (session is null)
                    return Results.StatusCode(401);
                var ws = await db.ReadAsync(u =>
                    u.Workspaces.GetAsync(session.AccountId, session.Region, session.Subject)
                );
                return Results.Text(ws?.State ?? WorkspaceState.Terminated, "text/plain");
            }
        );

        app.Map(
            "/desktop/ws",
            async Task (HttpContext http) =>
            {
                if (!http.WebSockets.IsWebSocketRequest)
                {
                    http.Response.StatusCode = 400;
                    return;
                }
                // Browsers send cookies on cross-site WebSocket requests: only pages of this server may connect.
                if (!SameOrigin(http))
                {
                    http.Response.StatusCode = 403;
                    return;
                }
                var token = SessionToken(http);
                var session = await sessions.FindAsync(token, SessionKinds.Desktop);
                if (session is null)
                {
                    http.Response.StatusCode = 401;
                    return;
                }
                var ws = await WorkspaceOfAsync(db, session);
                if (ws is null || ws.State != WorkspaceState.Available)
                {
                    http.Response.StatusCode = 409;
                    return;
                }

                // Never the socket path itself: the provider refuses links and listeners that are not the workspace's.
                var vnc = await desktops.ConnectAsync(ws.WorkspaceId, http.RequestAborted);
                if (vnc is null)
                {
                    http.Response.StatusCode = 503;
                    return;
                }
                using (vnc)
                {
                    var subprotocol = http.WebSockets.WebSocketRequestedProtocols.Contains("binary") ? "binary" : null;
                    using var socket = await http.WebSockets.AcceptWebSocketAsync(subprotocol);
                    using var live = watch.Watch(BrowserSessions.Hash(token!), http.RequestAborted);
                    // A desktop is DISCONNECTED (and AutoStop may act) only once its last open tab is gone. Every
                    // bridge to a desktop runs on the node of its host (the VNC socket is local), so a count here
                    // holds.
                    if (OpenBridges.AddOrUpdate(ws.WorkspaceId, 1, (_, n) => n + 1) == 1)
                        await connections.RecordConnectionAsync(ws.WorkspaceId, connected: true);
                    try
                    {
                        await DesktopBridge.PumpAsync(socket, vnc, live.Token);
                    }
                    finally
                    {
                        watch.Forget(live);
                        if (CloseBridge(ws.WorkspaceId))
                            await connections.RecordConnectionAsync(ws.WorkspaceId, connected: false);
                    }
                }
            }
        );
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> OpenBridges = new();

    /// <summary>Counts a bridge closed; true when it was the desktop's last.</summary>
    private static bool CloseBridge(string workspaceId)
    {
        while (true)
        {
            var n = OpenBridges[workspaceId];
            if (
                n == 1
                    ? OpenBridges.TryRemove(KeyValuePair.Create(workspaceId, 1))
                    : OpenBridges.TryUpdate(workspaceId, n - 1, n)
            )
                return n == 1;
        }
    }

    private static string? SessionToken(HttpContext http) =>
        http.Request.Cookies[WebSecurity.CookieName(http.Request, Cookie)];

    private static IResult Html(string page, int status = 200) =>
        Results.Content(page, "text/html; charset=utf-8", statusCode: status);

    /// <summary>No Origin (a same-site navigation of an older browser) or this server's own.</summary>
    private static Task<WorkspaceRecord?> WorkspaceOfAsync(IDatabase db, SessionRecord session) =>
        db.ReadAsync(u => u.Workspaces.GetAsync(session.AccountId, session.Region, session.Subject));

    private static bool SameOrigin(HttpContext http)
    {
        var origin = http.Request.Headers.Origin.ToString();
        return origin.Length == 0
            || (Uri.TryCreate(origin, UriKind.Absolute, out var o) && o.Authority == http.Request.Host.Value);
    }
}
