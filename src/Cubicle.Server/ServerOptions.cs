using System.Globalization;
using System.Text;
using System.Text.Json;
using Cubicle.Services.WorkSpaces;

namespace Cubicle.Server;

/// <summary>
/// Every option the server reads, in one table: it checks what was given (an unknown option, a word where a number
/// goes, a value not among the allowed ones is refused before anything starts), prints --help, and
/// docs/configuration.md documents the same list (a test compares them).
/// </summary>
public static class ServerOptions
{
    private const string Text = "text",
        Number = "number",
        Integer = "integer";

    public static readonly IReadOnlyList<ServerOption> All =
    [
        new("config", "Server", Text, null, "JSON file of options, keys named as the flags (\"data\": \"./data\")."),
        new("urls", "Server", Text, "http://127.0.0.1:4566", "Addresses to listen on, separated by ';'."),
        new(
            "data",
            "Server",
            Text,
            "./data",
            "Data folder (SQLite database, master key, audit files), relative to the current directory."
        ),
        new(
            "database",
            "Server",
            Text,
            null,
            "PostgreSQL connection string (Npgsql form); without it, SQLite in the data folder."
        ),
        new(
            "node-name",
            "Server",
            Text,
            "local, or HOST/ADDRESS:PORT with --database",
            "This node's name among the nodes sharing the database; unique per node."
        ),
        new("https-cert", "Server", Text, null, "PEM certificate for https:// URLs (with --https-key)."),
        new("https-key", "Server", Text, null, "PEM private key of --https-cert."),
        new(
            "trusted-proxies",
            "Server",
            Text,
            null,
            "Addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed."
        ),
        new(
            "header-timeout-seconds",
            "Server",
            Number,
            "10",
            "Time a client has to send its request headers.",
            Min: 0.1,
            Max: 3600
        ),
        new(
            "shutdown-seconds",
            "Server",
            Number,
            "30",
            "On SIGTERM, how long requests and lifecycle steps under way may take to finish.",
            Min: 0,
            Max: 3600
        ),
        new(
            "throttle-rate",
            "Server",
            Number,
            "2000",
            "Requests per second per account on each node (0: none).",
            Min: 0,
            Max: 1e9
        ),
        new(
            "throttle-burst",
            "Server",
            Number,
            "4000",
            "Requests an account may make at once above the rate.",
            Min: 0,
            Max: 1e9
        ),
        new(
            "auth-failures",
            "Server",
            Integer,
            "100",
            "Failed authentications per minute an address or a key id may have before Throttling (0: no limit).",
            Min: 0,
            Max: 1000000
        ),
        new("regions", "Server", Text, "AWS's commercial", "Regions requests may be signed for (','-separated)."),
        new(
            "directories",
            "WorkSpaces",
            Text,
            null,
            "JSON file of directories and users to load at start; without it, the demo directory."
        ),
        new(
            "workspace-quota",
            "WorkSpaces",
            Integer,
            "1000",
            "Workspaces an account may have (not TERMINATED).",
            Min: 0,
            Max: 10000000
        ),
        new(
            "transition-seconds",
            "WorkSpaces",
            Number,
            "5",
            "How long a simulated desktop's transition takes (PENDING to AVAILABLE...).",
            Min: 0,
            Max: 86400
        ),
        new(
            "terminated-retention-seconds",
            "WorkSpaces",
            Number,
            "3600",
            "How long a TERMINATED workspace stays visible.",
            Min: 0,
            Max: 100000000
        ),
        new(
            "autostop-minute-seconds",
            "WorkSpaces",
            Number,
            "60",
            "Length of an AutoStop minute (tests shorten it).",
            Min: 0.01,
            Max: 3600
        ),
        new(
            "snapshot-hours",
            "WorkSpaces",
            Number,
            "12",
            "Interval of each workspace's automatic snapshots.",
            Min: 0.001,
            Max: 8760
        ),
        new(
            "desktops",
            "Desktops",
            "choice",
            "simulated",
            "Simulated desktops, or real Linux desktops (root).",
            ["simulated", "local"]
        ),
        new("max-desktops", "Desktops", Integer, "8", "Real desktops this host runs at once.", Min: 0, Max: 10000),
        new(
            "disk-oversubscription",
            "Desktops",
            Number,
            "20",
            "Volume bytes promised per disk byte.",
            Min: 1,
            Max: 1e3
        ),
        new("disk-reserve-percent", "Desktops", Number, "10", "Disk never promised nor written.", Min: 0, Max: 90),
        new("memory-oversubscription", "Desktops", Number, "1.5", "Memory promised per byte.", Min: 0.1, Max: 100),
        new(
            "sqlite-synchronous",
            "Storage",
            "choice",
            "FULL",
            "SQLite's synchronous setting: NORMAL may lose the last commits at a power cut.",
            ["FULL", "EXTRA", "NORMAL"]
        ),
        new("job-concurrency", "Storage", Integer, "16", "Lifecycle jobs this node runs at once.", Min: 1, Max: 1024),
        new(
            "job-lease-seconds",
            "Storage",
            Number,
            "30",
            "How long a node's claim on a job lasts unrenewed (after a crash, another node takes it then).",
            Min: 1,
            Max: 3600
        ),
        new(
            "job-timeout-seconds",
            "Storage",
            Number,
            "120",
            "Longest a desktop operation may take.",
            Min: 1,
            Max: 86400
        ),
        new("audit-dir", "Audit", Text, "DATA/cloudtrail", "Where the audit log files and digests are written."),
        new(
            "audit-signing-key",
            "Audit",
            Text,
            "DATA/audit-signing-key.pem",
            "RSA private key (PEM) signing the digests; nodes sharing a database share it."
        ),
        new(
            "audit-delivery-seconds",
            "Audit",
            Number,
            "300",
            "Longest wait before events are delivered to a file.",
            Min: 0.1,
            Max: 86400
        ),
        new(
            "audit-delivery-events",
            "Audit",
            Integer,
            "10000",
            "Events that trigger a delivery sooner.",
            Min: 1,
            Max: 1000000
        ),
        new("audit-digest-seconds", "Audit", Number, "3600", "Interval of digest files.", Min: 1, Max: 86400),
        new(
            "audit-retention-days",
            "Audit",
            Number,
            "90",
            "How long LookupEvents finds an event.",
            Min: 0.001,
            Max: 3650
        ),
        new(
            "audit-read-events",
            "Audit",
            "choice",
            "durable",
            "Read-only calls' events: stored before the answer, stored after it, or not recorded.",
            ["durable", "buffered", "off"]
        ),
        new(
            "ldap-port",
            "Directories",
            Integer,
            "389, or 636 with ldaps",
            "Port of AD Connector domain controllers.",
            Min: 1,
            Max: 65535
        ),
        new(
            "ldap-security",
            "Directories",
            "choice",
            "none",
            "Transport security of LDAP binds.",
            ["none", "starttls", "ldaps"]
        ),
        new("ldap-bind-format", "Directories", Text, "{user}@{domain}", "How a user's bind name is formed."),
        new(
            "ldap-user-attributes",
            "Directories",
            Text,
            "sAMAccountName,uid",
            "Attributes that hold a user name, in order."
        ),
        new("ldap-timeout-seconds", "Directories", Number, "5", "Time an LDAP operation may take.", Min: 0.1, Max: 300),
        new(
            "ldap-health-seconds",
            "Directories",
            Number,
            "15",
            "Interval of AD Connector health checks.",
            Min: 1,
            Max: 86400
        ),
        new("ldap-ca-file", "Directories", Text, null, "CA certificates (PEM) to trust for ldaps/starttls."),
        new(
            "ldap-allow-loopback",
            "Directories",
            "choice",
            "false",
            "Let ConnectDirectory name loopback, link-local or this host's own addresses (a directory on this host).",
            ["false", "true"]
        ),
        new("log-format", "Operations", "choice", "text", "Console log format.", ["text", "json"]),
        new(
            "log-level",
            "Operations",
            "choice",
            "information",
            "Lowest level logged; debug adds a line per API call.",
            ["trace", "debug", "information", "warning", "error", "critical"]
        ),
        new("metrics-token", "Operations", Text, null, "Bearer token that /metrics requires."),
        new(
            "metrics-urls",
            "Operations",
            Text,
            null,
            "Serve /metrics on these addresses only (';'-separated), not on the API's."
        ),
        new(
            "otlp-endpoint",
            "Operations",
            Text,
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "OpenTelemetry collector to send traces to; no traces without one."
        ),
        new("otlp-protocol", "Operations", "choice", "grpc", "OTLP transport.", ["grpc", "http/protobuf"]),
    ];

    private static readonly Dictionary<string, ServerOption> ByName = All.ToDictionary(o => o.Name);

    /// <summary>A number option's value, or its default from the table (the options were checked at start).
    /// </summary>
    public static double NumberOf(IConfiguration config, string name) =>
        double.Parse(config[name] ?? ByName[name].Default!, CultureInfo.InvariantCulture);

    /// <summary>A whole-number option's value, or its default from the table.</summary>
    public static int IntegerOf(IConfiguration config, string name) =>
        int.Parse(config[name] ?? ByName[name].Default!, CultureInfo.InvariantCulture);

    /// <summary>A text or choice option's value, or its default from the table.</summary>
    public static string? TextOf(IConfiguration config, string name) => config[name] ?? ByName[name].Default;

    /// <summary>What is wrong with the options given, or null.</summary>
    public static string? Check(string[] args, IConfiguration config)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
                return $"unexpected argument '{args[i]}' (options are --name VALUE; see --help).";
            var name = args[i][2..].Split('=', 2)[0];
            if (!ByName.ContainsKey(name))
                return $"unknown option --{name} (see --help).";
            if (!args[i].Contains('=') && ++i >= args.Length)
                return $"--{name} needs a value.";
        }
        if (config["config"] is { Length: > 0 } file && UnknownKey(file) is { } key)
            return $"unknown option \"{key}\" in {file} (see --help).";
        foreach (var option in All)
        {
            var value = config[option.Name];
            if (value is null)
                continue;
            var valid = option.Kind switch
            {
                Number => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                    && d >= option.Min
                    && d <= option.Max,
                Integer => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                    && n >= option.Min
                    && n <= option.Max,
                Text => true,
                _ => option.Values!.Contains(value, StringComparer.Ordinal),
            };
            if (!valid)
                return $"--{option.Name} {value}: "
                    + (
                        option.Kind switch
                        {
                            Number => $"a number from {option.Min:0.###} to {option.Max:0.###} is needed.",
                            Integer => $"a whole number from {option.Min:0} to {option.Max:0} is needed.",
                            _ => $"it is one of {string.Join(", ", option.Values!)}.",
                        }
                    );
        }
        return null;
    }

    private static string? UnknownKey(string file)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
            return doc.RootElement.ValueKind != JsonValueKind.Object
                ? "(the file is not a JSON object)"
                : doc.RootElement.EnumerateObject().Select(p => p.Name).FirstOrDefault(n => !ByName.ContainsKey(n));
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null; // the configuration loader has already said what is wrong with the file
        }
    }
}
