using Cubicle.Cluster;
using Cubicle.Desktops;
using Cubicle.Protocol;

namespace Cubicle.Server;

/// <summary>The routes of a node: /metrics, /health, the desktops' pages (with local desktops), the console, and the
/// AWS endpoint for everything else.</summary>
internal static class HostRoutes
{
    public static void Map(WebApplication app, bool behindProxy, MetricsEndpoint metrics)
    {
        var endpoint = app.Services.GetRequiredService<ApiEndpoint>();
        // Behind a trusted proxy, the client's address (sign-in limits, audit) and scheme (Secure cookies) are the
        // ones it forwards; anyone else's X-Forwarded-* headers are ignored.
        if (behindProxy)
            app.UseForwardedHeaders();
        metrics.Map(app);
        app.Use(RequestLogScope.Middleware);
        var health = app.Services.GetRequiredService<NodeHealth>();
        app.MapGet(
            "/health",
            async (CancellationToken ct) =>
                await health.ProblemAsync(ct) is { } problem
                    ? Results.Text($"{{\"status\":\"{problem}\"}}", "application/json", statusCode: 503)
                    : Results.Text("{\"status\":\"ok\"}", "application/json")
        );
        if (app.Services.GetService<LocalDesktopProvider>() is { } local)
            DesktopWeb.Map(app, local);
        ConsoleWeb.Map(app);
        app.MapPost("/", endpoint.HandleAsync);
        app.MapFallback(endpoint.HandleAsync);
    }
}
