namespace Cubicle.Storage;

/// <summary>The audit statements of one engine.</summary>
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
    public required string InsertResource { get; init; }

    /// <summary>LookupEvents by attribute key (null key: no attribute); the query's members. Each ends before the
    /// time-range conditions, <see cref="LookupStart"/> and <see cref="LookupEnd"/> are appended, then
    /// <see cref="LookupOrder"/>.</summary>
    public required IReadOnlyDictionary<string, string> Lookup { get; init; }
    public required string LookupStart { get; init; }
    public required string LookupEnd { get; init; }
    public required string LookupOrder { get; init; }

    /// <summary>Creates and locks the position counter; returns the last position given.</summary>
    public required string PositionCounter { get; init; }

    /// <summary>@base, @max: gives the first @max waiting events (in seq order) positions @base + 1, @base + 2, ...
    /// (rows of audit_positions: an event's row is never updated, which would write all its indexes again).</summary>
    public required string Position { get; init; }

    /// <summary>@pos, the last position just given: what the engine records of it besides (null: nothing).</summary>
    public string? AfterPosition { get; init; }

    /// <summary>@pos.</summary>
    public required string SetPositionCounter { get; init; }

    /// <summary>@afterPos, @throughPos, @limit.</summary>
    public required string Positioned { get; init; }
    public required string PositionedThrough { get; init; }
    public required string DeliveredThrough { get; init; }

    /// <summary>@pos.</summary>
    public required string SetDeliveredThrough { get; init; }
    public required string CountUndelivered { get; init; }
    public required string OldestUndeliveredTime { get; init; }

    /// <summary>The record's members; returns seq.</summary>
    public required string InsertFile { get; init; }

    /// <summary>@digestSeq, @logFileSeqs.</summary>
    public required string MarkDigested { get; init; }

    /// <summary>@accountId, @region.</summary>
    public required string UndigestedLogFiles { get; init; }
    public required string LastDigest { get; init; }
    public required string Scopes { get; init; }

    /// <summary>@eventTimeMs: the positions of delivered events older than the time, then (<see
    /// cref="DeleteDeliveredBefore"/>) those events, which no longer have a position and are not waiting for
    /// one.</summary>
    public required string DeletePositionsBefore { get; init; }

    /// <summary>@eventTimeMs.</summary>
    public required string DeleteDeliveredBefore { get; init; }
}
