using Cubicle.Domain;

namespace Cubicle;

/// <summary>Server configuration (command line --name, or CUBICLE_NAME in the environment).</summary>
public sealed class CubicleOptions
{
    public const string DefaultAccountId = "000000000000";

    /// <summary>The data folder: the SQLite database and everything else Cubicle keeps.</summary>
    public string DataPath { get; set; } = "./data";

    /// <summary>A PostgreSQL connection string (Npgsql); without one, SQLite in the data folder.</summary>
    public string? Database { get; set; }

    /// <summary>This node's name in the cluster; one process at a time runs under a name.</summary>
    public string? NodeName { get; set; }

    /// <summary>
    /// Where the audit trail's files go (default DATA/cloudtrail): shared storage when several nodes run.
    /// </summary>
    public string? AuditDir { get; set; }

    /// <summary>
    /// The audit trail's signing key (PEM), made there on first use (default DATA/audit-signing-key.pem).
    /// </summary>
    public string? AuditSigningKey { get; set; }

    /// <summary>
    /// Lifecycle jobs run at once on this node, their lease, and the longest one provider call may take.
    /// </summary>
    public int JobConcurrency { get; set; } = 16;
    public double JobLeaseSeconds { get; set; } = 30;
    public double JobTimeoutSeconds { get; set; } = 120;

    /// <summary>A JSON file declaring directories and their users; without it a demo directory is loaded.</summary>
    public string? DirectoriesFile { get; set; }

    /// <summary>How long each simulated lifecycle transition takes.</summary>
    public double TransitionSeconds { get; set; } = 5;

    /// <summary>Workspaces an account may hold (all but TERMINATED ones count).</summary>
    public int WorkspaceQuota { get; set; } = 1000;

    /// <summary>How long a TERMINATED workspace still shows in DescribeWorkspaces.</summary>
    public double TerminatedRetentionSeconds { get; set; } = 3600;

    /// <summary>The length of one AutoStop minute; shorten it for tests and demos.</summary>
    public double AutoStopMinuteSeconds { get; set; } = 60;

    /// <summary>SQLite's synchronous setting: FULL makes every answered change durable.</summary>
    public string SqliteSynchronous { get; set; } = "FULL";

    /// <summary>Audit trail: deliver a log file at least this often, or once this many events wait.</summary>
    public double AuditDeliverySeconds { get; set; } = 300;
    public int AuditDeliveryEvents { get; set; } = 10000;

    /// <summary>Audit trail: how often a signed digest file chains the delivered log files.</summary>
    public double AuditDigestSeconds { get; set; } = 3600;

    /// <summary>Audit trail: read-only calls' events are "durable", "buffered" or "off".</summary>
    public string AuditReadEvents { get; set; } = "durable";

    /// <summary>Audit trail: how long events stay queryable with LookupEvents.</summary>
    public double AuditRetentionDays { get; set; } = 90;

    /// <summary>How often each workspace's volumes are snapshotted (as WorkSpaces does: every 12 hours).</summary>
    public double SnapshotHours { get; set; } = 12;

    /// <summary>The regions requests may be signed for (--regions; AWS's commercial regions by default).</summary>
    public IReadOnlySet<string> Regions { get; set; } = AwsRegions.Parse(null, out _)!;

    /// <summary>Failed authentications an address or a key id may have a minute before Throttling (0: none).</summary>
    public int AuthFailuresPerMinute { get; set; } = 100;

    /// <summary>Largest request body accepted.</summary>
    public int MaxBodyBytes { get; set; } = 1 << 20;
}
