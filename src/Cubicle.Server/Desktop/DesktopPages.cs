using System.Net;

namespace Cubicle.Server;

/// <summary>The browser client's pages: sign-in, the one that waits for the desktop, and the desktop itself. None
/// holds an inline script or style (they are served with a strict Content-Security-Policy).</summary>
public static class DesktopPages
{
    public const string Failed = "Sign-in failed: check the registration code, user name and password.";

    public static string SignIn(string? antiforgeryToken, string? error) =>
        $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Cubicle WorkSpaces</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <link rel="stylesheet" href="/desktop/static/desktop.css"></head>
            <body class="sign-in"><form method="post" action="/desktop/login"><h2>Sign in to your WorkSpace</h2>
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

    /// <summary>Waits for the desktop to be AVAILABLE (open.js), then goes to <see cref="View"/>.</summary>
    public static string Open(string antiforgeryToken) =>
        $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Cubicle WorkSpaces</title>
            <link rel="stylesheet" href="/desktop/static/desktop.css">
            <script src="/desktop/static/open.js" defer></script></head>
            <body class="open"><h2 id="state">Opening your WorkSpace...</h2>
            {{SignOut(antiforgeryToken)}}</body></html>
            """;

    /// <summary>The desktop itself: noVNC's RFB (view.js), connected to this server's bridge only.</summary>
    public static string View(string antiforgeryToken) =>
        $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Cubicle WorkSpaces</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <link rel="stylesheet" href="/desktop/static/desktop.css">
            <script type="module" src="/desktop/static/view.js"></script></head>
            <body class="view"><div id="screen"></div>
            <div id="bar"><span id="noVNC_status" role="status">Connecting to your WorkSpace...</span>
            {{SignOut(antiforgeryToken)}}</div></body></html>
            """;

    private static string SignOut(string antiforgeryToken) =>
        $"""
            <form method="post" action="/desktop/logout">
            <input type="hidden" name="__RequestVerificationToken" value="{WebUtility.HtmlEncode(antiforgeryToken)}">
            <button type="submit" id="sign_out" class="quiet">Sign out</button></form>
            """;
}
