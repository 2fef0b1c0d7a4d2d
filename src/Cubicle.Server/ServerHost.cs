using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cubicle.Accounts;
using Cubicle.Directories;
using Cubicle.Protocol;
using Cubicle.Storage;
using Cubicle.Workspaces;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Cubicle.Server;

/// <summary>Builds the web host: configuration from the command line, Kestrel's limits, and the routes.</summary>
public static class ServerHost
{
    public static WebApplication? Build(string[] args)
    {
        // No config reload-on-change: its file watcher would wake on every file written under the content root
        // (the data folder, the audit log files).
        Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Configuration.AddEnvironmentVariables("CUBICLE_");
        var config = builder.Configuration;
        var options = ReadOptions(config);

        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);

        var urls = (config["urls"] ?? "http://127.0.0.1:4566").Split(';', StringSplitOptions.RemoveEmptyEntries);
        builder.WebHost.UseUrls(urls);
        var loopbackOnly = urls.All(IsLoopbackUrl);

        var rootKeyId = Environment.GetEnvironmentVariable("CUBICLE_ROOT_ACCESS_KEY_ID");
        var rootSecret = Environment.GetEnvironmentVariable("CUBICLE_ROOT_SECRET_ACCESS_KEY");
        var usingDefaultKey = string.IsNullOrEmpty(rootKeyId) || string.IsNullOrEmpty(rootSecret);
        if (usingDefaultKey)
        {
            if (!loopbackOnly)
            {
                Console.Error.WriteLine("Refusing to start: Cubicle listens beyond loopback, so set CUBICLE_ROOT_ACCESS_KEY_ID and CUBICLE_ROOT_SECRET_ACCESS_KEY for the root key.");
                return null;
            }
            (rootKeyId, rootSecret) = ("test", "test");
        }
        var rootKey = new AccessKey(rootKeyId!, rootSecret!, CubicleOptions.DefaultAccountId, Policy: null, IsRoot: true);

        var certFile = config["https-cert"];
        var keyFile = config["https-key"];
        X509Certificate2? certificate = null;
        if (certFile is not null || keyFile is not null)
        {
            if (certFile is null || keyFile is null)
            {
                Console.Error.WriteLine("Refusing to start: --https-cert and --https-key go together.");
                return null;
            }
            try { certificate = X509Certificate2.CreateFromPemFile(certFile, keyFile); }
            catch (Exception ex) when (ex is IOException or CryptographicException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"Refusing to start: cannot load the certificate {certFile} with key {keyFile}: {ex.Message}");
                return null;
            }
        }
        if (certificate is null && urls.Any(u => u.StartsWith("https:", StringComparison.OrdinalIgnoreCase)))
        {
            Console.Error.WriteLine("Refusing to start: an https:// URL needs --https-cert FILE --https-key FILE (PEM).");
            return null;
        }

        if (certificate is not null) builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = options.MaxBodyBytes * 2L;
            k.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            k.Limits.MaxRequestHeaderCount = 64;
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(config.GetValue("header-timeout-seconds", 10.0));
            if (certificate is not null) k.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate);
            k.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(120);
            k.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(5));
        });

        builder.Services.AddCubicle(options);
        var desktopsMode = config["desktops"] ?? "simulated";
        if (desktopsMode == "local")
        {
            var missing = Cubicle.Desktops.LocalDesktopProvider.RequiredTools.Where(t => !OnPath(t)).ToList();
            if (missing.Count > 0 || Environment.UserName != "root")
            {
                Console.Error.WriteLine($"Refusing to start: --desktops local needs root and {string.Join(", ", missing.DefaultIfEmpty("the packages in README"))}.");
                return null;
            }
            builder.Services.AddSingleton(new Cubicle.Desktops.LocalDesktopOptions
            {
                DataPath = options.DataPath,
                MaxDesktops = config.GetValue("max-desktops", 8),
                SnapshotHours = config.GetValue("snapshot-hours", 12.0),
            });
            builder.Services.AddSingleton<Cubicle.Desktops.LocalDesktopProvider>();
            builder.Services.AddSingleton<Cubicle.Desktops.IDesktopProvider>(sp => sp.GetRequiredService<Cubicle.Desktops.LocalDesktopProvider>());
            builder.Services.AddHostedService<Cubicle.Desktops.DesktopMonitor>();
        }
        else if (desktopsMode != "simulated")
        {
            Console.Error.WriteLine($"Refusing to start: --desktops is simulated or local, not {desktopsMode}.");
            return null;
        }
        builder.Services.AddSingleton(MasterKey.Load(options.DataPath));
        builder.Services.AddSingleton<IKeyStore>(sp => new KeyStore(sp.GetRequiredService<IStore>(), rootKey,
            sp.GetRequiredService<MasterKey>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(sp => new CallGate(sp.GetRequiredService<TimeProvider>(),
            config.GetValue("throttle-rate", 2000.0), config.GetValue("throttle-burst", 4000.0)));

        var app = builder.Build();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Cubicle");
        var store = app.Services.GetRequiredService<IStore>();
        try
        {
            DirectoryLoader.LoadAsync(store, options.DirectoriesFile).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            Console.Error.WriteLine($"Refusing to start: {ex.Message}");
            return null;
        }
        if (usingDefaultKey)
            log.LogWarning("No CUBICLE_ROOT_ACCESS_KEY_ID/CUBICLE_ROOT_SECRET_ACCESS_KEY set: the root key of account {Account} is test/test. This is allowed only while Cubicle listens on loopback.", CubicleOptions.DefaultAccountId);
        if (options.DirectoriesFile is null)
            log.LogInformation("No --directories file: loaded the demo directory {Directory} with users {Users}.", DirectoryLoader.DemoDirectoryId, string.Join(", ", DirectoryLoader.DemoUsers));

        var endpoint = app.Services.GetRequiredService<AwsJsonEndpoint>();
        app.MapGet("/health", () => Results.Text("{\"status\":\"ok\"}", "application/json"));
        AdminEndpoints.Map(app);
        if (app.Services.GetService<Cubicle.Desktops.LocalDesktopProvider>() is { } local)
        {
            DesktopWeb.Map(app, local);
            AdminEndpoints.MapSnapshots(app, local);
        }
        app.MapPost("/", endpoint.HandleAsync);
        app.MapFallback(endpoint.HandleAsync);
        app.Lifetime.ApplicationStarted.Register(() =>
            log.LogInformation("Cubicle is ready on {Urls} (data: {Data})", string.Join(", ", app.Urls), Path.GetFullPath(options.DataPath)));
        return app;
    }

    private static CubicleOptions ReadOptions(IConfiguration c) => new()
    {
        DataPath = c["data"] ?? "./data",
        DirectoriesFile = c["directories"],
        TransitionSeconds = c.GetValue("transition-seconds", 5.0),
        WorkspaceQuota = c.GetValue("workspace-quota", 1000),
        TerminatedRetentionSeconds = c.GetValue("terminated-retention-seconds", 3600.0),
        AutoStopMinuteSeconds = c.GetValue("autostop-minute-seconds", 60.0),
        SqliteSynchronous = c["sqlite-synchronous"] ?? "FULL",
        AuditDeliverySeconds = c.GetValue("audit-delivery-seconds", 300.0),
        AuditDeliveryEvents = c.GetValue("audit-delivery-events", 10000),
        AuditDigestSeconds = c.GetValue("audit-digest-seconds", 3600.0),
        AuditRetentionDays = c.GetValue("audit-retention-days", 90.0),
        AuditReadEvents = c["audit-read-events"] ?? "durable",
    };

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, tool)));

    private static bool IsLoopbackUrl(string url)
    {
        var host = BindingAddress.Parse(url).Host;
        if (host is "localhost") return true;
        return IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
    }
}
