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

/// <summary>The steps of <see cref="ServerHost.BuildAsync"/>, and what one step hands the next. Each step throws
/// <see cref="StartRefusedException"/> when the configuration cannot run.</summary>
internal sealed class HostSteps(WebApplicationBuilder builder) : IAsyncDisposable
{
    private IConfiguration _config = null!;
    private CubicleOptions _options = null!;
    private ILogger _log = null!;
    private string[] _urls = [];
    private bool _developerMode;
    private string _desktops = "simulated";
    private AccessKey _rootKey = null!;
    private X509Certificate2? _certificate;
    private readonly ListenerDrain _drain = new();
    private MasterKey _master = null!;
    private IDatabase? _db;
    private NodeIdentity _node = null!;
    private IClusterLock _nodeName = null!;
    private ILoggerFactory? _startupLogs;

    public WebApplicationBuilder Builder => builder;
    public bool BehindProxy { get; private set; }
    public MetricsEndpoint Metrics { get; private set; } = null!;

    private static StartRefusedException Refuse(string why) => new(why);

    public void ReadOptions(string[] args)
    {
        if (ServerConfiguration.Layer(builder.Configuration, args) is { } badFile)
            throw Refuse(badFile);
        _config = builder.Configuration;
        if (ServerOptions.Check(args, _config) is { } wrong)
            throw Refuse(wrong);
        _options = ReadOptions(_config);
        _options.DataPath = DataFolder.Secure(_options.DataPath);
        if (AwsRegions.Parse(_config["regions"], out var regionError) is not { } regions)
            throw Refuse(regionError!);
        _options.Regions = regions;
        _desktops = ServerOptions.TextOf(_config, "desktops")!;
        if (_desktops is not ("simulated" or "local"))
            throw Refuse($"--desktops is simulated or local, not {_desktops}.");
    }

    public void ConfigureLogging()
    {
        var logging = builder.Logging;
        logging.ClearProviders();
        // Every line logged while a request is served carries its request id (a logging scope).
        if (_config["log-format"] == "json")
            logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fffK";
                o.UseUtcTimestamp = true;
            });
        else if (_config["log-format"] is null or "text")
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
                o.IncludeScopes = true;
            });
        else
            throw Refuse($"--log-format is text or json, not {_config["log-format"]}.");
        if (
            !Enum.TryParse<LogLevel>(_config["log-level"] ?? "information", ignoreCase: true, out var level)
            || !Enum.IsDefined(level)
        )
            throw Refuse(
                $"--log-level is trace, debug, information, warning, error or critical, not {_config["log-level"]}."
            );
        logging.SetMinimumLevel(level);
        logging.AddFilter("Microsoft", LogLevel.Warning);
        // The host's own request scope would carry Kestrel's connection-based id; RequestLogScope carries ours.
        logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Services.Configure<HostOptions>(o =>
            o.ShutdownTimeout = TimeSpan.FromSeconds(ServerOptions.NumberOf(_config, "shutdown-seconds"))
        );
        _startupLogs = LoggerFactory.Create(l => l.AddSimpleConsole(o => o.SingleLine = true));
        _log = _startupLogs.CreateLogger("Cubicle");
    }

    /// <summary>The URLs, the metrics listener, the root key that the listeners allow, and TLS.</summary>
    public void ConfigureListeners()
    {
        _urls = ServerOptions.TextOf(_config, "urls")!.Split(';', StringSplitOptions.RemoveEmptyEntries);
        BehindProxy = _config["trusted-proxies"] is { Length: > 0 };
        _developerMode = _urls.All(IsLoopbackUrl) && !BehindProxy;
        string[] metricsUrls;
        try
        {
            Metrics = MetricsEndpoint.Create(_config, _developerMode, out metricsUrls);
        }
        catch (UriFormatException)
        {
            throw Refuse($"--metrics-urls is not a list of URLs: {_config["metrics-urls"]}");
        }
        builder.WebHost.UseUrls([.. _urls, .. metricsUrls]);
        _rootKey =
            RootKey.Read(_developerMode, BehindProxy, _desktops == "local", out var rootRefusal)
            ?? throw Refuse(rootRefusal!);
        _certificate = LoadCertificate(_config["https-cert"], _config["https-key"]);
        if (_certificate is null && _urls.Any(u => u.StartsWith("https:", StringComparison.OrdinalIgnoreCase)))
            throw Refuse("an https:// URL needs --https-cert FILE --https-key FILE (PEM).");
        if (!TelemetryAndProxies.AddForwardedHeaders(builder, _config, out var proxyError))
            throw Refuse(proxyError!);
    }

    private static X509Certificate2? LoadCertificate(string? certFile, string? keyFile)
    {
        if (certFile is null && keyFile is null)
            return null;
        if (certFile is null || keyFile is null)
            throw Refuse("--https-cert and --https-key go together.");
        try
        {
            return X509Certificate2.CreateFromPemFile(certFile, keyFile);
        }
        catch (Exception ex) when (ex is IOException or CryptographicException or UnauthorizedAccessException)
        {
            throw Refuse($"cannot load the certificate {certFile} with key {keyFile}: {ex.Message}");
        }
    }

    public void ConfigureKestrel()
    {
        if (_certificate is not null)
            builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.UseSockets(o => o.CreateBoundListenSocket = _drain.Bind);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = _options.MaxBodyBytes * 2L;
            k.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            k.Limits.MaxRequestHeaderCount = 64;
            // Bytes past ASCII in a header reach the API as Latin-1 text, so it can answer them with an AWS error
            // (an unknown action, a bad signature) instead of Kestrel's bare 400.
            k.RequestHeaderEncodingSelector = _ => System.Text.Encoding.Latin1;
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(
                ServerOptions.NumberOf(_config, "header-timeout-seconds")
            );
            if (_certificate is not null)
                k.ConfigureHttpsDefaults(h => h.ServerCertificate = _certificate);
            k.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(120);
            k.Limits.MinRequestBodyDataRate = new MinDataRate(
                bytesPerSecond: 240,
                gracePeriod: TimeSpan.FromSeconds(5)
            );
        });
    }

    /// <summary>The master key, the database, and this node's name on it (one process per name).</summary>
    public async Task OpenDatabaseAsync()
    {
        try
        {
            _master = MasterKey.Load(_options.DataPath, requireEnvironment: _options.Database is not null);
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException)
        {
            throw Refuse(ex.Message);
        }
        try
        {
            _db = await Database.OpenAsync(_options.DataPath, _options.Database, _options.SqliteSynchronous, _log);
        }
        catch (StoreUnavailableException ex)
        {
            throw Refuse($"the database cannot be opened: {ex.Message}");
        }
        _node = new NodeIdentity(_options.NodeName ?? DefaultNodeName(_options, _urls), _urls[0]);
        _nodeName =
            await NodeLock.TryTakeAsync(_db, _node)
            ?? throw Refuse(
                $"another Cubicle process already runs as node '{_node.Name}' on this database "
                    + "(each node needs a --node-name of its own)."
            );
    }

    public void AddServices()
    {
        var services = builder.Services;
        services.AddCubicle(_options, _db!, _master, _node, LocalDesktops());
        if (!TelemetryAndProxies.AddTelemetry(builder, _config, _node, out var telemetryError))
            throw Refuse(telemetryError!);
        var (db, node, nodeName) = (_db!, _node, _nodeName);
        services.AddSingleton(sp => new NodeLock(
            db,
            node,
            nodeName,
            sp.GetRequiredService<IHostApplicationLifetime>(),
            sp.GetRequiredService<ILogger<NodeLock>>()
        ));
        services.AddHostedService(sp => sp.GetRequiredService<NodeLock>());
        services.AddSingleton<HostDescriptions>();
        services.AddSingleton<AdminApi>();
        services.AddSingleton(sp => sp.GetRequiredService<AdminApi>().Api);
        var (rootKey, master) = (_rootKey, _master);
        services.AddSingleton<IKeyStore>(sp => new KeyStore(
            db,
            rootKey,
            master,
            sp.GetRequiredService<TimeProvider>()
        ));
        var (rate, burst) = (
            ServerOptions.NumberOf(_config, "throttle-rate"),
            ServerOptions.NumberOf(_config, "throttle-burst")
        );
        services.AddSingleton(sp => new Throttle(sp.GetRequiredService<TimeProvider>(), rate, burst));
        if (LdapSettings.Read(_config, _options.DataPath, out var ldapError) is not { } ldap)
            throw Refuse(ldapError!);
        services.AddSingleton(ldap);
        services.AddSingleton<NodeHealth>();
        services.AddSingleton<SessionWatch>();
        BrowserProtection.Add(services, db, master, _urls);
    }

    private LocalDesktopOptions? LocalDesktops()
    {
        if (_desktops != "local")
            return null;
        var missing = LocalDesktopProvider.RequiredTools.Where(t => !OnPath(t)).ToList();
        if (missing.Count > 0 || Environment.UserName != "root")
        {
            var needs = string.Join(", ", missing.DefaultIfEmpty("the packages in README"));
            throw Refuse($"--desktops local needs root and {needs}.");
        }
        return new LocalDesktopOptions
        {
            DataPath = _options.DataPath,
            MaxDesktops = ServerOptions.IntegerOf(_config, "max-desktops"),
            DiskOversubscription = ServerOptions.NumberOf(_config, "disk-oversubscription"),
            DiskReservePercent = ServerOptions.NumberOf(_config, "disk-reserve-percent"),
            MemoryOversubscription = ServerOptions.NumberOf(_config, "memory-oversubscription"),
        };
    }

    public void LogMode()
    {
        if (_rootKey is { AccessKeyId: "test", SecretAccessKey: "test" })
            _log.LogWarning("{Mode}", RootKey.Mode(_developerMode, _desktops == "local", _rootKey));
        else
            _log.LogInformation("{Mode}", RootKey.Mode(_developerMode, _desktops == "local", _rootKey));
    }

    public void AnnounceWhenStarted(WebApplication app)
    {
        var (db, node, data) = (_db!, _node, _options.DataPath);
        // SIGTERM: no new connections, the queued ones answered; then Kestrel finishes the requests under way.
        app.Lifetime.ApplicationStopping.Register(() => _drain.Drain(app.Logger));
        app.Lifetime.ApplicationStarted.Register(() =>
            app.Logger.LogInformation(
                "Cubicle is ready on {Urls} (node {Node}, {Engine} database, data: {Data})",
                string.Join(", ", app.Urls),
                node.Name,
                db.Engine,
                data
            )
        );
    }

    /// <summary>What a refused start had opened.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_db is not null)
            await _db.DisposeAsync();
        _startupLogs?.Dispose();
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

    private static bool IsLoopbackUrl(string url)
    {
        var host = BindingAddress.Parse(url).Host;
        if (host is "localhost")
            return true;
        return IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }
}
