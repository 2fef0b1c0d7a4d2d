namespace Cubicle.Storage;

/// <summary>The audit statements. Those both engines run alike are written here once (the defaults); each engine
/// gives the rest (required) in its dialect.</summary>
public sealed record AuditSql
{
    /// <summary>@id, @a, @r, @t, @n, @s, @ro, @u, @k, @b, @res; returns seq.</summary>
    public required string Insert { get; init; }

    /// <summary>As <see cref="Insert"/>, but an event id already stored is skipped: then it returns no row.</summary>
    public required string InsertIfAbsent { get; init; }

    /// <summary>The same parameters as arrays, one element per event, in order (skipping event ids already stored),
    /// with the events' resources; null where the engine inserts one event at a time.</summary>
    public string? InsertBatch { get; init; }

    /// <summary>@e, @a, @r, @t, @n.</summary>
    public string InsertResource { get; init; } =
        "INSERT INTO audit_resources(event_seq, account_id, region, resource_type, resource_name) "
        + "VALUES (@e, @a, @r, @t, @n)";

    /// <summary>LookupEvents by attribute key (null key: no attribute); the query's members. Each ends before the
    /// time-range conditions, <see cref="LookupStart"/> and <see cref="LookupEnd"/> are appended, then
    /// <see cref="LookupOrder"/>.</summary>
    public required IReadOnlyDictionary<string, string> Lookup { get; init; }
    public string LookupStart { get; init; } = " AND e.event_time>=@StartMs";
    public string LookupEnd { get; init; } = " AND e.event_time<=@EndMs";
    public string LookupOrder { get; init; } = " ORDER BY e.seq DESC LIMIT @Limit";

    /// <summary>The <see cref="Lookup"/> member of a resource attribute (its column of audit_resources).</summary>
    internal static string LookupResource(string column) =>
        "SELECT DISTINCT e.* FROM audit_resources r JOIN audit_events e ON e.seq=r.event_seq "
        + $"WHERE r.account_id=@AccountId AND r.region=@Region AND r.{column}=@AttributeValue "
        + "AND r.event_seq<@BeforeSeq";

    /// <summary>Creates and locks the position counter; returns the last position given.</summary>
    public required string PositionCounter { get; init; }

    /// <summary>@base, @max: gives the first @max waiting events (in seq order) positions @base + 1, @base + 2, ...
    /// (rows of audit_positions: an event's row is never updated, which would write all its indexes again).</summary>
    public required string Position { get; init; }

    /// <summary>@pos, the last position just given: what the engine records of it besides (null: nothing).</summary>
    public string? AfterPosition { get; init; }

    /// <summary>@pos.</summary>
    public string SetPositionCounter { get; init; } =
        "UPDATE meta SET value=@pos " + "WHERE key='audit-positioned-through'";

    /// <summary>@afterPos, @throughPos, @limit.</summary>
    public string Positioned { get; init; } =
        "SELECT p.pos, e.* FROM audit_positions p JOIN audit_events e ON e.seq=p.seq "
        + "WHERE p.pos>@afterPos AND p.pos<=@throughPos ORDER BY p.pos LIMIT @limit";
    public required string PositionedThrough { get; init; }
    public required string DeliveredThrough { get; init; }

    /// <summary>@pos.</summary>
    public string SetDeliveredThrough { get; init; } =
        "INSERT INTO meta(key, value) VALUES ('audit-delivered-through', @pos) "
        + "ON CONFLICT(key) DO UPDATE SET value=excluded.value";
    public required string CountUndelivered { get; init; }
    public required string OldestUndeliveredTime { get; init; }

    /// <summary>The record's members; returns seq.</summary>
    public string InsertFile { get; init; } =
        """
            INSERT INTO audit_files(account_id, region, kind, path, sha256, oldest_event_time, newest_event_time,
              created_at, signature, content)
            VALUES (@AccountId, @Region, @Kind, @Path, @Sha256, @OldestEventTime, @NewestEventTime, @CreatedAt,
              @Signature,
              @Content)
            ON CONFLICT(path) DO UPDATE SET sha256=excluded.sha256
            RETURNING seq
            """;

    /// <summary>@digestSeq, @logFileSeqs.</summary>
    public required string MarkDigested { get; init; }

    /// <summary>@accountId, @region.</summary>
    public string UndigestedLogFiles { get; init; } =
        "SELECT * FROM audit_files WHERE account_id=@accountId AND region=@region AND kind='LOG' "
        + "AND digest_seq IS NULL ORDER BY seq";
    public string LastDigest { get; init; } =
        "SELECT * FROM audit_files WHERE account_id=@accountId AND region=@region AND kind='DIGEST' "
        + "ORDER BY seq DESC LIMIT 1";
    public string Scopes { get; init; } = "SELECT DISTINCT account_id, region FROM audit_files";

    /// <summary>@eventTimeMs: the positions of delivered events older than the time, then (<see
    /// cref="DeleteDeliveredBefore"/>) those events, which no longer have a position and are not waiting for
    /// one.</summary>
    public required string DeletePositionsBefore { get; init; }

    /// <summary>@eventTimeMs.</summary>
    public required string DeleteDeliveredBefore { get; init; }
}
