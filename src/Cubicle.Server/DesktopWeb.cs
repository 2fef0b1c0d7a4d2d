using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cubicle.Accounts;
using Cubicle.Api;
using Cubicle.Desktops;
using Cubicle.Storage;
using Cubicle.Workspaces;
using Microsoft.Extensions.FileProviders;

namespace Cubicle.Server;

/// <summary>
/// The browser client: users sign in as WorkSpaces users do (registration code, user name, password) and get
/// their own desktop through noVNC, over a WebSocket bridge to the desktop's private VNC socket. The session
/// cookie names one workspace; the bridge checks it and the Origin on every connection.
/// </summary>
public static class DesktopWeb
{
    private const string Cookie = "cubicle_desktop";
    private static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(8);

    public static void Map(WebApplication app, LocalDesktopProvider desktops)
    {
        var store = app.Services.GetRequiredService<IStore>();
        var workspaces = app.Services.GetRequiredService<WorkspaceService>();
        var lifecycle = app.Services.GetRequiredService<Lifecycle>();
        var signal = app.Services.GetRequiredService<LifecycleSignal>();
        var key = store.Secret("desktop-session-key");

        if (Directory.Exists("/usr/share/novnc"))
            app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider("/usr/share/novnc"), RequestPath = "/novnc" });
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(20) });

        app.MapGet("/desktop", () => Results.Content(Page(null), "text/html; charset=utf-8"));
        app.MapPost("/desktop/login", async (HttpContext http) =>
        {
            var form = await http.Request.ReadFormAsync();
            var code = form["registration_code"].ToString().Trim();
            var user = form["user_name"].ToString().Trim();
            var password = form["password"].ToString();
            var ws = await SignInAsync(store, code, user, password);
            if (ws is null)
                return Results.Content(Page("Sign-in failed: check the registration code, user name and password."), "text/html; charset=utf-8", statusCode: 401);
            // As WorkSpaces clients do: signing in to a stopped AutoStop WorkSpace starts it.
            if (ws.State == WorkspaceState.Stopped && RunningMode.IsStoppable(ws.RunningMode))
            {
                await store.WriteAsync(tx =>
                {
                    var current = tx.GetWorkspaceBySeq(ws.Seq);
                    if (current?.State == WorkspaceState.Stopped) lifecycle.Begin(tx, current, WorkspaceState.Starting, TransitionKind.Start, lifecycle.Now);
                    return 0;
                });
                signal.Notify();
            }
            else if (ws.State is not (WorkspaceState.Available or WorkspaceState.Pending or WorkspaceState.Starting or WorkspaceState.Rebooting
                     or WorkspaceState.Rebuilding or WorkspaceState.Unhealthy))
                return Results.Content(Page($"Your WorkSpace {ws.WorkspaceId} is {ws.State} and cannot be opened now."), "text/html; charset=utf-8", statusCode: 409);
            var token = Seal(key, $"{ws.WorkspaceId}\n{user}\n{DateTimeOffset.UtcNow.Add(SessionLifetime).ToUnixTimeSeconds()}");
            http.Response.Cookies.Append(Cookie, token, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = http.Request.IsHttps, Path = "/" });
            return Results.Redirect("/desktop/open");
        });

        // Waits until the user's WorkSpace is AVAILABLE, then opens it in noVNC.
        app.MapGet("/desktop/open", () => Results.Content(OpenPage, "text/html; charset=utf-8"));
        app.MapGet("/desktop/state", async (HttpContext http) =>
        {
            var session = Open(key, http.Request.Cookies[Cookie]);
            if (session is null) return Results.StatusCode(401);
            var ws = await store.ReadAsync(r => r.GetWorkspaceById(session.Value.WorkspaceId));
            return Results.Text(ws?.State ?? "TERMINATED", "text/plain");
        });

        app.Map("/desktop/ws", async (HttpContext http) =>
        {
            if (!http.WebSockets.IsWebSocketRequest) { http.Response.StatusCode = 400; return; }
            // Browsers send cookies on cross-site WebSocket requests: only pages of this server may connect.
            var origin = http.Request.Headers.Origin.ToString();
            if (origin.Length > 0 && !(Uri.TryCreate(origin, UriKind.Absolute, out var o) && o.Authority == http.Request.Host.Value))
            {
                http.Response.StatusCode = 403;
                return;
            }
            var session = Open(key, http.Request.Cookies[Cookie]);
            if (session is null) { http.Response.StatusCode = 401; return; }
            var (workspaceId, _) = session.Value;
            var ws = await store.ReadAsync(r => r.GetWorkspaceById(workspaceId));
            if (ws is null || ws.State != WorkspaceState.Available) { http.Response.StatusCode = 409; return; }

            // Never the socket path itself: the provider refuses links and listeners that are not the workspace's.
            using var vnc = await desktops.ConnectAsync(workspaceId, http.RequestAborted);
            if (vnc is null) { http.Response.StatusCode = 503; return; }
            var subprotocol = http.WebSockets.WebSocketRequestedProtocols.Contains("binary") ? "binary" : null;
            using var socket = await http.WebSockets.AcceptWebSocketAsync(subprotocol);
            await workspaces.RecordConnectionAsync(workspaceId, connected: true);
            try { await PumpAsync(socket, vnc, http.RequestAborted); }
            finally { await workspaces.RecordConnectionAsync(workspaceId, connected: false); }
        });
    }

    private static async Task<WorkspaceRecord?> SignInAsync(IStore store, string code, string user, string password)
    {
        if (code.Length == 0 || user.Length == 0 || password.Length == 0) return null;
        foreach (var d in await store.ReadAsync(r => r.AllDirectories()))
        {
            var dir = JsonSerializer.Deserialize(d.Body, ApiJsonContext.Default.WorkspaceDirectory);
            if (!string.Equals(dir?.RegistrationCode, code, StringComparison.OrdinalIgnoreCase)) continue;
            var hash = await store.ReadAsync(r => r.GetUserPasswordHash(d.Seq, user));
            if (!Passwords.Verify(password, hash)) return null;
            var found = await store.ReadAsync(r => r.ListWorkspaces(new WorkspaceQuery(d.AccountId, d.Region, null, d.DirectoryId, user, null, null, 0, 10)));
            return found.FirstOrDefault(w => w.State != WorkspaceState.Terminated);
        }
        return null;
    }

    private static async Task PumpAsync(WebSocket browser, Socket vnc, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var toBrowser = Task.Run(async () =>
        {
            var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                while (true)
                {
                    var n = await vnc.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                    if (n == 0) break;
                    await browser.SendAsync(buffer.AsMemory(0, n), WebSocketMessageType.Binary, true, cts.Token);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or WebSocketException) { }
            finally { ArrayPool<byte>.Shared.Return(buffer); }
        });
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            while (browser.State == WebSocketState.Open)
            {
                var r = await browser.ReceiveAsync(buffer, cts.Token);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    await browser.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None); // or clients see 1006
                    break;
                }
                await vnc.SendAsync(buffer.AsMemory(0, r.Count), SocketFlags.None, cts.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or WebSocketException) { }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            cts.Cancel();
            vnc.Close();
            await toBrowser;
        }
    }

    private static string Seal(byte[] key, string payload)
    {
        var data = Encoding.UTF8.GetBytes(payload);
        return Convert.ToBase64String(data) + "." + Convert.ToBase64String(HMACSHA256.HashData(key, data));
    }

    private static (string WorkspaceId, string User)? Open(byte[] key, string? token)
    {
        var dot = token?.IndexOf('.') ?? -1;
        if (dot <= 0) return null;
        try
        {
            var data = Convert.FromBase64String(token![..dot]);
            if (!CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(key, data), Convert.FromBase64String(token[(dot + 1)..]))) return null;
            var parts = Encoding.UTF8.GetString(data).Split('\n');
            if (parts.Length != 3 || !long.TryParse(parts[2], out var exp) || DateTimeOffset.UtcNow.ToUnixTimeSeconds() > exp) return null;
            return (parts[0], parts[1]);
        }
        catch (FormatException) { return null; }
    }

    private const string OpenPage = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Cubicle WorkSpaces</title>
        <style>body{font-family:sans-serif;background:#232f3e;color:#fff;text-align:center;margin-top:20vh}</style></head>
        <body><h2 id="state">Opening your WorkSpace...</h2>
        <script>
        async function poll() {
          const r = await fetch("/desktop/state", { credentials: "same-origin" });
          if (r.status === 401) { location.href = "/desktop"; return; }
          const state = await r.text();
          if (state === "AVAILABLE") { location.href = "/novnc/vnc.html?autoconnect=1&reconnect=0&resize=remote&path=desktop/ws"; return; }
          document.getElementById("state").textContent = "Your WorkSpace is " + state + "; it opens as soon as it is AVAILABLE.";
          setTimeout(poll, 500);
        }
        poll();
        </script></body></html>
        """;

    private static string Page(string? error) => $$"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Cubicle WorkSpaces</title>
        <style>body{font-family:sans-serif;background:#232f3e;color:#fff;display:flex;justify-content:center;margin-top:10vh}
        form{background:#fff;color:#16191f;padding:2em;border-radius:8px;width:22em}label{display:block;margin-top:1em}
        input{width:100%;padding:.5em;box-sizing:border-box}button{margin-top:1.5em;width:100%;padding:.7em;background:#ec7211;color:#fff;border:0;border-radius:4px}
        .error{color:#d13212}</style></head>
        <body><form method="post" action="/desktop/login"><h2>Sign in to your WorkSpace</h2>
        {{(error is null ? "" : $"<p class=\"error\" id=\"error\">{WebUtility.HtmlEncode(error)}</p>")}}
        <label>Registration code<input name="registration_code" id="registration_code" required></label>
        <label>User name<input name="user_name" id="user_name" required autocomplete="username"></label>
        <label>Password<input name="password" id="password" type="password" required autocomplete="current-password"></label>
        <button type="submit" id="sign_in">Sign in</button></form></body></html>
        """;
}
