using System.Security.Cryptography;
using System.Text;

namespace Cubicle.Server;

/// <summary>
/// /metrics in Prometheus' text format (OpenTelemetry's exporter of the "Cubicle" meter). It is served on the API's
/// address only when a bearer token protects it (--metrics-token) or in loopback developer mode (see RootKey);
/// --metrics-urls moves it to an address of its own, which then serves nothing else.
/// </summary>
public sealed class MetricsEndpoint
{
    private readonly byte[]? _tokenHash;
    private readonly HashSet<int> _ports;
    private readonly bool _onApiAddress;

    private MetricsEndpoint(string? token, HashSet<int> ports, bool onApiAddress)
    {
        _tokenHash = token is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));
        _ports = ports;
        _onApiAddress = onApiAddress;
    }

    /// <summary>Reads --metrics-token and --metrics-urls; returns the URLs Kestrel must listen on as well.</summary>
    public static MetricsEndpoint Create(IConfiguration config, bool developerMode, out string[] extraUrls)
    {
        var token = config["metrics-token"] is { Length: > 0 } t ? t : null;
        extraUrls = (config["metrics-urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries);
        var ports = extraUrls.Select(u => new Uri(u.Replace("*", "0.0.0.0").Replace("+", "0.0.0.0")).Port).ToHashSet();
        return new MetricsEndpoint(token, ports, ports.Count == 0 && (token is not null || developerMode));
    }

    /// <summary>Placed before every other route: the metrics address serves /metrics alone.</summary>
    public void Map(WebApplication app)
    {
        if (_ports.Count > 0)
            app.Use(
                async (http, next) =>
                {
                    if (!_ports.Contains(http.Connection.LocalPort))
                        await next(http);
                    else if (http.Request.Path != "/metrics")
                        http.Response.StatusCode = StatusCodes.Status404NotFound;
                    else if (!HttpMethods.IsGet(http.Request.Method))
                        http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                    else
                        await next(http); // the scraping endpoint below takes it
                }
            );
        app.UseOpenTelemetryPrometheusScrapingEndpoint(
            meterProvider: null,
            predicate: http =>
                http.Request.Path == "/metrics"
                && HttpMethods.IsGet(http.Request.Method)
                && (_ports.Count > 0 ? _ports.Contains(http.Connection.LocalPort) : _onApiAddress),
            path: null,
            configureBranchedPipeline: branch =>
                branch.Use(
                    async (http, next) =>
                    {
                        if (Authorized(http))
                            await next(http);
                        else
                        {
                            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                            http.Response.Headers.WWWAuthenticate = "Bearer realm=\"cubicle-metrics\"";
                        }
                    }
                ),
            optionsName: null
        );
    }

    private bool Authorized(HttpContext http)
    {
        if (_tokenHash is null)
            return true;
        var header = http.Request.Headers.Authorization.ToString();
        var given = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..] : "";
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), _tokenHash);
    }
}
