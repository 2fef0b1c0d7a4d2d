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
    internal const string Cookie = "cubicle_desktop";
    internal static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(8);

    public static void Map(WebApplication app, LocalDesktopProvider desktops)
    {
        DesktopFiles.Map(app);
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) });
        MapSignIn(app);
        MapPages(app);
        MapBridge(app, desktops);
    }

    private static void MapSignIn(WebApplication app)
    {
        var sessions = app.Services.GetRequiredService<BrowserSessions>();
        var antiforgery = app.Services.GetRequiredService<IAntiforgery>();
        var signIn = app.Services.GetRequiredService<DesktopSignIn>();
        app.MapGet(
            "/desktop",
            (HttpContext http) => Html(DesktopPages.SignIn(antiforgery.GetAndStoreTokens(http).RequestToken, null))
        );
        app.MapPost(
            "/desktop/login",
            // A Delegate, not a RequestDelegate: the page it returns is written as the response.
            (Func<HttpContext, Task<IResult>>)(http => DesktopLogin.HandleAsync(http, antiforgery, signIn, sessions))
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
    }

    private static void MapPages(WebApplication app)
    {
        var db = app.Services.GetRequiredService<IDatabase>();
        var sessions = app.Services.GetRequiredService<BrowserSessions>();
        var antiforgery = app.Services.GetRequiredService<IAntiforgery>();
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
    }

    private static void MapBridge(WebApplication app, LocalDesktopProvider desktops)
    {
        var db = app.Services.GetRequiredService<IDatabase>();
        var sessions = app.Services.GetRequiredService<BrowserSessions>();
        var watch = app.Services.GetRequiredService<SessionWatch>();
        var connections = app.Services.GetRequiredService<WorkspaceConnections>();
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
                await BridgeAsync(http, ws.WorkspaceId, token!, desktops, watch, connections);
            }
        );
    }

    /// <summary>Bridges the browser's WebSocket to the desktop's VNC socket until either side ends or the session
    /// does.</summary>
    private static async Task BridgeAsync(
        HttpContext http,
        string workspaceId,
        string token,
        LocalDesktopProvider desktops,
        SessionWatch watch,
        WorkspaceConnections connections
    )
    {
        // Never the socket path itself: the provider refuses links and listeners that are not the workspace's.
        var vnc = await desktops.ConnectAsync(workspaceId, http.RequestAborted);
        if (vnc is null)
        {
            http.Response.StatusCode = 503;
            return;
        }
        using (vnc)
        {
            var subprotocol = http.WebSockets.WebSocketRequestedProtocols.Contains("binary") ? "binary" : null;
            using var socket = await http.WebSockets.AcceptWebSocketAsync(subprotocol);
            using var live = watch.Watch(BrowserSessions.Hash(token), http.RequestAborted);
            // A desktop is DISCONNECTED (and AutoStop may act) only once its last open tab is gone. Every
            // bridge to a desktop runs on the node of its host (the VNC socket is local), so a count here
            // holds.
            if (OpenBridges.AddOrUpdate(workspaceId, 1, (_, n) => n + 1) == 1)
                await connections.RecordConnectionAsync(workspaceId, connected: true);
            try
            {
                await DesktopBridge.PumpAsync(socket, vnc, live.Token);
            }
            finally
            {
                watch.Forget(live);
                if (CloseBridge(workspaceId))
                    await connections.RecordConnectionAsync(workspaceId, connected: false);
            }
        }
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

    internal static IResult Html(string page, int status = 200) =>
        Results.Content(page, "text/html; charset=utf-8", statusCode: status);

    private static Task<WorkspaceRecord?> WorkspaceOfAsync(IDatabase db, SessionRecord session) =>
        db.ReadAsync(u => u.Workspaces.GetAsync(session.AccountId, session.Region, session.Subject));

    /// <summary>No Origin (a same-site navigation of an older browser) or this server's own.</summary>
    internal static bool SameOrigin(HttpContext http)
    {
        var origin = http.Request.Headers.Origin.ToString();
        return origin.Length == 0
            || (Uri.TryCreate(origin, UriKind.Absolute, out var o) && o.Authority == http.Request.Host.Value);
    }
}
