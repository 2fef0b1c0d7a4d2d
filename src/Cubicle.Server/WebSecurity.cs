namespace Cubicle.Server;

/// <summary>
/// What every page for a browser (the console, the desktop pages, the noVNC files they load) is served with: a
/// Content-Security-Policy, no framing, no sniffing, no referrer, HSTS over https; and how the session cookies are
/// named and scoped: over https with the <c>__Host-</c> prefix (Secure, Path=/, no Domain: no other host or path can
/// set or shadow them), over plain http as before, scoped to their own path.
/// </summary>
public static class WebSecurity
{
    /// <summary>A year: browsers that saw the site over https keep to https.</summary>
    private const string Hsts = "max-age=31536000";

    /// <param name="referrerPolicy">no-referrer where the pages post no form (the console's calls are fetches);
    /// same-origin where they do, since under no-referrer a browser sends a form's post with "Origin: null", which
    /// the same-origin check must refuse.</param>
    public static void Headers(HttpContext http, string contentSecurityPolicy, string referrerPolicy = "no-referrer")
    {
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = contentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = referrerPolicy;
        if (http.Request.IsHttps)
            headers.StrictTransportSecurity = Hsts;
    }

    /// <summary>The session cookie's name for this request's scheme.</summary>
    public static string CookieName(HttpRequest request, string name) => request.IsHttps ? "__Host-" + name : name;

    /// <summary>A session cookie's options: HttpOnly and SameSite=Strict always; over https Secure and Path=/ (what
    /// the <c>__Host-</c> prefix requires), over http the path given.</summary>
    public static CookieOptions SessionCookie(HttpRequest request, string path, TimeSpan? maxAge) =>
        new()
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = request.IsHttps,
            Path = request.IsHttps ? "/" : path,
            MaxAge = maxAge,
            IsEssential = true,
        };
}
