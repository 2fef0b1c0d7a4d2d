namespace Cubicle.Audit;

public sealed class AuditOptions
{
    /// <summary>Deliver a log file at least this often (when there are events).</summary>
    public double DeliverySeconds { get; set; } = 300;

    /// <summary>...or as soon as this many events wait.</summary>
    public int DeliveryEvents { get; set; } = 10000;

    /// <summary>How often a digest file chains and signs the log files delivered since the last.</summary>
    public double DigestSeconds { get; set; } = 3600;

    /// <summary>Read-only calls: "durable" (answer once the event is durable), "buffered" (written within a
    /// group-commit cycle, not awaited), or "off" (not recorded).</summary>
    public string ReadEvents { get; set; } = "durable";

    /// <summary>With "buffered": bytes of read events answered and not yet stored, at most (then calls wait).
    /// </summary>
    public long BufferBytes { get; set; } = AuditBuffer.DefaultBytes;

    /// <summary>How long events stay queryable with LookupEvents (CloudTrail's event history: 90 days).</summary>
    public double RetentionDays { get; set; } = 90;

    /// <summary>The folder of the node's event journal (SQLite: DATA/audit-journal); null: events not committed
    /// with a change are group-committed to the database itself (PostgreSQL).</summary>
    public string? JournalFolder { get; set; }
}
