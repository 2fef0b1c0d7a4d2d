using System.Net;

namespace Cubicle.Server;

/// <summary>The browser client's two pages: sign-in, and the one that waits for the desktop and opens it.</summary>
public static class DesktopPages
{
    public const string Failed = "Sign-in failed: check the registration code, user name and password.";

    public static string SignIn(string? antiforgeryToken, string? error) =>
        $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Cubicle WorkSpaces</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <style>
            body{font-family:sans-serif;background:#232f3e;color:#fff;
              display:flex;justify-content:center;margin-top:10vh}
            form{background:#fff;color:#16191f;padding:2em;border-radius:8px;width:22em}
            label{display:block;margin-top:1em}
            input{width:100%;padding:.5em;box-sizing:border-box}
            button{margin-top:1.5em;width:100%;padding:.7em;background:#ec7211;color:#fff;border:0;border-radius:4px}
            .error{color:#d13212}</style></head>
            <body><form method="post" action="/desktop/login"><h2>Sign in to your WorkSpace</h2>
            {{(
                error is null
                    ? ""
                    : $"<p class=\"error\" id=\"error\" role=\"alert\">{WebUtility.HtmlEncode(error)}</p>"
            )}}
            <input type="hidden" name="__RequestVerificationToken" value="{{WebUtility.HtmlEncode(
                antiforgeryToken ?? ""
            )}}">
            <label>Registration code<input name="registration_code" id="registration_code" required
              maxlength="64"></label>
            <label>User name<input name="user_name" id="user_name" required maxlength="64"
              autocomplete="username"></label>
            <label>Password<input name="password" id="password" type="password" required maxlength="1024"
              autocomplete="current-password"></label>
            <button type="submit" id="sign_in">Sign in</button></form></body></html>
            """;

    public static string Open(string antiforgeryToken) =>
        $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Cubicle WorkSpaces</title>
            <style>body{font-family:sans-serif;background:#232f3e;color:#fff;text-align:center;margin-top:20vh}
            button{background:none;color:#fff;border:1px solid #fff;border-radius:4px;padding:.4em 1em}</style></head>
            <body><h2 id="state">Opening your WorkSpace...</h2>
            <form method="post" action="/desktop/logout">
            <input type="hidden" name="__RequestVerificationToken" value="{{WebUtility.HtmlEncode(antiforgeryToken)}}">
            <button type="submit" id="sign_out">Sign out</button></form>
            <script>
            async function poll() {
              const r = await fetch("/desktop/state", { credentials: "same-origin" });
              if (r.status === 401) { location.href = "/desktop"; return; }
              const state = await r.text();
              if (state === "AVAILABLE") {
                location.href = "/novnc/vnc.html?autoconnect=1&reconnect=0&resize=remote&path=desktop/ws";
                return;
              }
              document.getElementById("state").textContent =
                "Your WorkSpace is " + state + "; it opens as soon as it is AVAILABLE.";
              setTimeout(poll, 500);
            }
            poll();
            </script></body></html>
            """;
}
