using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace Cubicle.Server;

/// <summary>
/// The files the desktop pages load, and the headers of everything under /desktop and /novnc. Of Debian's noVNC only
/// its modules are served (core/ and vendor/, JavaScript alone): never its pages (vnc.html, vnc_lite.html, app/),
/// which take the server to connect to from their query and would show anyone's desktop, or a look-alike asking for
/// passwords, under this site's origin. The one page that opens a desktop is Cubicle's own (/desktop/view).
/// </summary>
public static class DesktopFiles
{
    private const string NoVnc = "/usr/share/novnc";

    /// <summary>Scripts and styles from this site's files only (no inline ones), connections to this site only (the
    /// bridge), images from the site or drawn by noVNC (data:), no frames, forms posted here only.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    private static readonly string[] NoVncModules = ["/novnc/core", "/novnc/vendor"];

    public static void Map(WebApplication app)
    {
        app.Use(
            (http, next) =>
            {
                var path = http.Request.Path;
                if (!path.StartsWithSegments("/desktop") && !path.StartsWithSegments("/novnc"))
                    return next(http);
                WebSecurity.Headers(http, ContentSecurityPolicy, "same-origin");
                if (path.StartsWithSegments("/novnc") && !NoVncModules.Any(m => path.StartsWithSegments(m)))
                {
                    http.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                }
                return next(http);
            }
        );
        // JavaScript only: whatever else the package ships there (a README) is not served.
        var scripts = new FileExtensionContentTypeProvider(
            new Dictionary<string, string> { [".js"] = "text/javascript; charset=utf-8" }
        );
        foreach (var module in NoVncModules)
            if (Directory.Exists(NoVnc + module["/novnc".Length..]))
                app.UseStaticFiles(
                    new StaticFileOptions
                    {
                        FileProvider = new PhysicalFileProvider(NoVnc + module["/novnc".Length..]),
                        RequestPath = module,
                        ContentTypeProvider = scripts,
                    }
                );

        var site = new ManifestEmbeddedFileProvider(typeof(DesktopFiles).Assembly, "Desktop/site");
        app.MapGet(
            "/desktop/static/{name}",
            (HttpContext http, string name) =>
            {
                var file = site.GetFileInfo(name);
                if (!file.Exists || file.IsDirectory || ContentType(name) is not { } type)
                    return Results.NotFound();
                http.Response.Headers.CacheControl = "no-cache";
                return Results.Stream(file.CreateReadStream(), type);
            }
        );
    }

    private static string? ContentType(string name) =>
        Path.GetExtension(name) switch
        {
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            _ => null,
        };
}
