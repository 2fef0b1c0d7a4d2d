using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cubicle.Accounts;
using Cubicle.Cluster;
using Cubicle.Desktops;
using Cubicle.Domain;
using Cubicle.Observability;
using Cubicle.Protocol;
using Cubicle.Services;
using Cubicle.Services.Admin;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Cubicle.Server;

/// <summary>
/// Builds the web host: configuration from the command line, the database, Kestrel's limits, and the routes.
/// </summary>
public static class ServerHost
{
    public static async Task<WebApplication?> BuildAsync(string[] args)
    {
        // No config reload-on-change: its file watcher would wake on every file written under the content root
        // (the data folder, the audit log files).
        Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
        var builder = WebApplication.CreateSlimBuilder(args);
        if (ServerConfiguration.Layer(builder.Configuration, args) is { } badFile)
            return Refuse(badFile);
        var config = builder.Configuration;
        if (ServerOptions.Check(args, config) is { } wrong)
            return Refuse(wrong);
        var options = ReadOptions(config);

        builder.Logging.ClearProviders();
        // Every line logged while a request is served carries its request id (a logging scope).
        if (config["log-format"] == "json")
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fffK";
                o.UseUtcTimestamp = true;
            });
        else if (config["log-format"] is null or "text")
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
                o.IncludeScopes = true;
            });
        else
            return Refuse($"--log-format is text or json, not {config["log-format"]}.");
        if (
            !Enum.TryParse<LogLevel>(config["log-level"] ?? "information", ignoreCase: true, out var level)
            || !Enum.IsDefined(level)
        )
            return Refuse(
                $"--log-level is trace, debug, information, warning, error or critical, not {config["log-level"]}."
            );
        builder.Logging.SetMinimumLevel(level);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        // The host's own request scope would carry Kestrel's connection-based id; RequestLogScope carries ours.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Services.Configure<HostOptions>(o =>
            o.ShutdownTimeout = TimeSpan.FromSeconds(ServerOptions.NumberOf(config, "shutdown-seconds"))
        );
        using var startupLogs = LoggerFactory.Create(l => l.AddSimpleConsole(o => o.SingleLine = true));
        var log = startupLogs.CreateLogger("Cubicle");

        var urls = ServerOptions.TextOf(config, "urls")!.Split(';', StringSplitOptions.RemoveEmptyEntries);
        var behindProxy = config["trusted-proxies"] is { Length: > 0 };
        var developerMode = urls.All(IsLoopbackUrl) && !behindProxy;
        MetricsEndpoint metrics;
        string[] metricsUrls;
        try
        {
            metrics = MetricsEndpoint.Create(config, developerMode, out metricsUrls);
        }
        catch (UriFormatException)
        {
            return Refuse($"--metrics-urls is not a list of URLs: {config["metrics-urls"]}");
        }
        builder.WebHost.UseUrls([.. urls, .. metricsUrls]);
        var desktopsMode = ServerOptions.TextOf(config, "desktops")!;
        if (desktopsMode is not ("simulated" or "local"))
            return Refuse($"--desktops is simulated or local, not {desktopsMode}.");
        var rootKey = RootKey.Read(developerMode, behindProxy, desktopsMode == "local", out var rootRefusal);
        if (rootKey is null)
            return Refuse(rootRefusal!);
        if (AwsRegions.Parse(config["regions"], out var regionError) is not { } regions)
            return Refuse(regionError!);
        options.Regions = regions;

        var certFile = config["https-cert"];
        var keyFile = config["https-key"];
        X509Certificate2? certificate = null;
        if (certFile is not null || keyFile is not null)
        {
            if (certFile is null || keyFile is null)
                return Refuse("--https-cert and --https-key go together.");
            try
            {
                certificate = X509Certificate2.CreateFromPemFile(certFile, keyFile);
            }
            catch (Exception ex) when (ex is IOException or CryptographicException or UnauthorizedAccessException)
            {
                return Refuse($"cannot load the certificate {certFile} with key {keyFile}: {ex.Message}");
            }
        }
        if (certificate is null && urls.Any(u => u.StartsWith("https:", StringComparison.OrdinalIgnoreCase)))
            return Refuse("an https:// URL needs --https-cert FILE --https-key FILE (PEM).");

        if (certificate is not null)
            builder.WebHost.UseKestrelHttpsConfiguration();
        var drain = new ListenerDrain();
        builder.WebHost.UseSockets(o => o.CreateBoundListenSocket = drain.Bind);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = options.MaxBodyBytes * 2L;
            k.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            k.Limits.MaxRequestHeaderCount = 64;
            // Bytes past ASCII in a header reach the API as Latin-1 text, so it can answer them with an AWS error
            // (an unknown action, a bad signature) instead of Kestrel's bare 400.
            k.RequestHeaderEncodingSelector = _ => System.Text.Encoding.Latin1;
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(
                ServerOptions.NumberOf(config, "header-timeout-seconds")
            );
            if (certificate is not null)
                k.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate);
            k.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(120);
            k.Limits.MinRequestBodyDataRate = new MinDataRate(
                bytesPerSecond: 240,
                gracePeriod: TimeSpan.FromSeconds(5)
            );
        });

        options.DataPath = DataFolder.Secure(options.DataPath);
        MasterKey master;
        try
        {
            master = MasterKey.Load(options.DataPath, requireEnvironment: options.Database is not null);
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException)
        {
            return Refuse(ex.Message);
        }

        IDatabase db;
        try
        {
            db = await Database.OpenAsync(options.DataPath, options.Database, options.SqliteSynchronous, log);
        }
        catch (StoreUnavailableException ex)
        {
            return Refuse($"the database cannot be opened: {ex.Message}");
        }
        var node = new NodeIdentity(options.NodeName ?? DefaultNodeName(options, urls), urls[0]);
        var nodeName = await NodeLock.TryTakeAsync(db, node);
        if (nodeName is null)
        {
            await db.DisposeAsync();
            return Refuse(
                $"another Cubicle process already runs as node '{node.Name}' on this database "
                    + "(each node needs a --node-name of its own)."
            );
        }

        if (!AddForwardedHeaders(builder, config, out var proxyError))
            return Refuse(proxyError!);
        builder.Services.AddCubicle(options, db, master, node);
        if (!AddTelemetry(builder, config, node, out var telemetryError))
            return Refuse(telemetryError!);
        builder.Services.AddSingleton(sp => new NodeLock(
            db,
            node,
            nodeName,
            sp.GetRequiredService<IHostApplicationLifetime>(),
            sp.GetRequiredService<ILogger<NodeLock>>()
        ));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<NodeLock>());
        builder.Services.AddSingleton<AdminApi>();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<AdminApi>().Api);
        if (desktopsMode == "local")
        {
            var missing = LocalDesktopProvider.RequiredTools.Where(t => !OnPath(t)).ToList();
            if (missing.Count > 0 || Environment.UserName != "root")
                return Refuse(
                    "--desktops local needs root and "
                        + $"{string.Join(", ", missing.DefaultIfEmpty("the packages in README"))}."
                );
            builder.Services.AddSingleton(
                new LocalDesktopOptions
                {
                    DataPath = options.DataPath,
                    MaxDesktops = ServerOptions.IntegerOf(config, "max-desktops"),
                }
            );
            builder.Services.AddSingleton<LocalDesktopProvider>();
            builder.Services.AddSingleton<IDesktopProvider>(sp => sp.GetRequiredService<LocalDesktopProvider>());
            builder.Services.AddHostedService<DesktopMonitor>();
        }
        builder.Services.AddSingleton<IKeyStore>(sp => new KeyStore(
            db,
            rootKey,
            master,
            sp.GetRequiredService<TimeProvider>()
        ));
        builder.Services.AddSingleton(sp => new Throttle(
            sp.GetRequiredService<TimeProvider>(),
            ServerOptions.NumberOf(config, "throttle-rate"),
            ServerOptions.NumberOf(config, "throttle-burst")
        ));
        if (LdapSettings.Read(config, options.DataPath, out var ldapError) is not { } ldap)
            return Refuse(ldapError!);
        builder.Services.AddSingleton(ldap);
        builder.Services.AddSingleton<NodeHealth>();
        builder.Services.AddSingleton<SessionWatch>();
        // Anti-forgery tokens are protected by a key ring every node shares, kept in the database under the master key.
        builder.Services.AddDataProtection().SetApplicationName("cubicle");
        builder.Services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(
            sp => new ConfigureOptions<KeyManagementOptions>(o =>
            {
                o.XmlRepository = new DatabaseXmlRepository(db, sp.GetRequiredService<TimeProvider>());
                o.XmlEncryptor = new MasterKeyXmlEncryptor(master);
            })
        );
        var httpsOnly = urls.All(u => u.StartsWith("https:", StringComparison.OrdinalIgnoreCase));
        builder.Services.AddAntiforgery(o =>
        {
            // One name for the whole server: the __Host- prefix (Secure, Path=/) where every URL is https.
            o.Cookie.Name = httpsOnly ? "__Host-cubicle_antiforgery" : "cubicle_antiforgery";
            o.Cookie.SecurePolicy = httpsOnly ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            o.Cookie.Path = "/";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
            // The console's scripts send the request token in this header; the desktop page's form in a field.
            o.HeaderName = ConsoleWeb.CsrfHeader;
        });

        var app = builder.Build();
        try
        {
            await DirectoryLoader.LoadAsync(
                db,
                options.DirectoriesFile,
                app.Services.GetRequiredService<TimeProvider>()
            );
            await app
                .Services.GetRequiredService<HostHeartbeat>()
                .BeatAsync(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            var refreshed = await WorkspaceJson.RefreshStaleAsync(db);
            if (refreshed > 0)
                log.LogInformation("Rendered {Count} workspaces again for this version", refreshed);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or StoreUnavailableException)
        {
            return Refuse(ex.Message);
        }
        if (rootKey is { AccessKeyId: "test", SecretAccessKey: "test" })
            log.LogWarning("{Mode}", RootKey.Mode(developerMode, rootKey));
        else
            log.LogInformation("{Mode}", RootKey.Mode(developerMode, rootKey));
        if (options.DirectoriesFile is null)
            log.LogInformation(
                "No --directories file: loaded the demo directory {Directory} with users {Users}.",
                DirectoryLoader.DemoDirectoryId,
                string.Join(", ", DirectoryLoader.DemoUsers)
            );

        var endpoint = app.Services.GetRequiredService<AwsJsonEndpoint>();
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
        // SIGTERM: no new connections, the queued ones answered; then Kestrel finishes the requests under way.
        app.Lifetime.ApplicationStopping.Register(() => drain.Drain(app.Logger));
        app.Lifetime.ApplicationStarted.Register(() =>
            app.Logger.LogInformation(
                "Cubicle is ready on {Urls} (node {Node}, {Engine} database, data: {Data})",
                string.Join(", ", app.Urls),
                node.Name,
                db.Engine,
                options.DataPath
            )
        );
        return app;
    }

    private static WebApplication? Refuse(string why)
    {
        Console.Error.WriteLine($"Refusing to start: {why}");
        return null;
    }

    /// <summary>SQLite serves one node; with PostgreSQL, each process is named after its machine and address.</summary>
    private static string DefaultNodeName(CubicleOptions options, string[] urls)
    {
        if (options.Database is null)
            return "local";
        var address = BindingAddress.Parse(urls[0]);
        return $"{Environment.MachineName}/{address.Host}:{address.Port}";
    }

    private static CubicleOptions ReadOptions(IConfiguration c) =>
        new()
        {
            DataPath = ServerOptions.TextOf(c, "data")!,
            Database = string.IsNullOrWhiteSpace(c["database"]) ? null : c["database"],
            NodeName = c["node-name"],
            DirectoriesFile = c["directories"],
            TransitionSeconds = ServerOptions.NumberOf(c, "transition-seconds"),
            WorkspaceQuota = ServerOptions.IntegerOf(c, "workspace-quota"),
            TerminatedRetentionSeconds = ServerOptions.NumberOf(c, "terminated-retention-seconds"),
            AutoStopMinuteSeconds = ServerOptions.NumberOf(c, "autostop-minute-seconds"),
            SqliteSynchronous = ServerOptions.TextOf(c, "sqlite-synchronous")!,
            AuditDir = c["audit-dir"],
            AuditSigningKey = c["audit-signing-key"],
            AuditDeliverySeconds = ServerOptions.NumberOf(c, "audit-delivery-seconds"),
            AuditDeliveryEvents = ServerOptions.IntegerOf(c, "audit-delivery-events"),
            AuditDigestSeconds = ServerOptions.NumberOf(c, "audit-digest-seconds"),
            AuditRetentionDays = ServerOptions.NumberOf(c, "audit-retention-days"),
            AuditReadEvents = ServerOptions.TextOf(c, "audit-read-events")!,
            SnapshotHours = ServerOptions.NumberOf(c, "snapshot-hours"),
            JobConcurrency = ServerOptions.IntegerOf(c, "job-concurrency"),
            JobLeaseSeconds = ServerOptions.NumberOf(c, "job-lease-seconds"),
            JobTimeoutSeconds = ServerOptions.NumberOf(c, "job-timeout-seconds"),
            AuthFailuresPerMinute = ServerOptions.IntegerOf(c, "auth-failures"),
        };

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, tool)));

    private static bool AddForwardedHeaders(WebApplicationBuilder builder, IConfiguration config, out string? error)
    {
        error = null;
        if (config["trusted-proxies"] is not { Length: > 0 } list)
            return true;
        var networks = new List<System.Net.IPNetwork>();
        foreach (var item in list.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries))
        {
            if (System.Net.IPNetwork.TryParse(item, out var network))
                networks.Add(network);
            else if (IPAddress.TryParse(item, out var address))
                networks.Add(new System.Net.IPNetwork(address, address.GetAddressBytes().Length * 8));
            else
            {
                error = $"--trusted-proxies: {item} is neither an address nor a network (CIDR).";
                return false;
            }
        }
        builder.Services.Configure<Microsoft.AspNetCore.Builder.ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders =
                Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor
                | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto;
            o.KnownIPNetworks.Clear();
            o.KnownProxies.Clear();
            foreach (var n in networks)
                o.KnownIPNetworks.Add(n);
        });
        return true;
    }

    /// <summary>
    /// Metrics for /metrics (the "Cubicle" meter through OpenTelemetry's Prometheus exporter); traces over OTLP when
    /// --otlp-endpoint (or the standard OTEL_EXPORTER_OTLP_ENDPOINT) is set: the host's span of each request, named
    /// after the API call, and a span per lifecycle job.
    /// </summary>
    private static bool AddTelemetry(
        WebApplicationBuilder builder,
        IConfiguration config,
        NodeIdentity node,
        out string? error
    )
    {
        error = null;
        var telemetry = builder
            .Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("cubicle", serviceInstanceId: node.Name))
            .WithMetrics(m =>
                m.AddMeter(CubicleMetrics.MeterName)
                    // A scrape sees every request answered before it (no cached page).
                    .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0)
            );
        var endpoint = config["otlp-endpoint"];
        if (string.IsNullOrEmpty(endpoint) && string.IsNullOrEmpty(config["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            return true;
        var protocol = config["otlp-protocol"] ?? config["OTEL_EXPORTER_OTLP_PROTOCOL"] ?? "grpc";
        if (protocol is not ("grpc" or "http/protobuf"))
        {
            error = $"--otlp-protocol is grpc or http/protobuf, not {protocol}.";
            return false;
        }
        Uri? uri = null;
        if (!string.IsNullOrEmpty(endpoint) && !Uri.TryCreate(endpoint, UriKind.Absolute, out uri))
        {
            error = $"--otlp-endpoint is not a URL: {endpoint}";
            return false;
        }
        telemetry.WithTracing(t =>
            t.AddSource(CubicleTracing.SourceName)
                .AddAspNetCoreInstrumentation(o =>
                {
                    o.Filter = http => http.Request.Path != "/metrics";
                    // The instrumentation names the span after the route ("POST /") when the request ends: name it
                    // after the API call instead.
                    o.EnrichWithHttpResponse = (span, _) =>
                    {
                        if (span.GetTagItem("rpc.method") is string action)
                            span.DisplayName = $"{span.GetTagItem("rpc.service")}.{action}";
                    };
                })
                .AddOtlpExporter(o =>
                {
                    o.Protocol = protocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                    // Over HTTP an endpoint set here is the full URL of the traces resource.
                    if (uri is not null)
                        o.Endpoint = protocol == "grpc" || uri.AbsolutePath != "/" ? uri : new Uri(uri, "v1/traces");
                })
        );
        return true;
    }

    private static bool IsLoopbackUrl(string url)
    {
        var host = BindingAddress.Parse(url).Host;
        if (host is "localhost")
            return true;
        return IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }
}
