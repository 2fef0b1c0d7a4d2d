namespace Cubicle.Storage;

/// <summary>
/// CloudTrail events and the bookkeeping of their delivery. Events are committed with the calls they record, in
/// any order across nodes; the deliverer gives the committed ones their positions (<see cref="AssignPositionsAsync"/>),
/// so the delivery order is the order in which events became visible, and delivers positions in order.
/// </summary>
public interface IAuditStore
{
    Task InsertAsync(AuditEventRecord e);

    /// <summary>
    /// Events in their order; an event whose id is already stored is skipped (a journal indexed again).
    /// </summary>
    Task InsertBatchAsync(IReadOnlyList<AuditEventRecord> events);
    Task<List<AuditEventRecord>> LookupAsync(AuditQuery query);

    /// <summary>Gives up to <paramref name="max"/> committed events without a position the next positions, in seq
    /// order; returns the last position given so far (the same as before when none was waiting).</summary>
    Task<long> AssignPositionsAsync(int max);

    /// <summary>Events with positions in (<paramref name="afterPos"/>, <paramref name="throughPos"/>], in order, at
    /// most
    /// <paramref name="limit"/>.</summary>
    Task<List<AuditEventRecord>> PositionedAsync(long afterPos, long throughPos, int limit);

    /// <summary>The last position given so far.</summary>
    Task<long> PositionedThroughAsync();

    /// <summary>The last position written to log files.</summary>
    Task<long> DeliveredThroughAsync();
    Task SetDeliveredThroughAsync(long pos);

    /// <summary>Events waiting for delivery: without a position, or positioned past the delivered one.</summary>
    Task<long> CountUndeliveredAsync();

    /// <summary>The time of the oldest event not yet delivered, or null when none waits.</summary>
    Task<long?> OldestUndeliveredTimeAsync();
    Task RecordLogFileAsync(AuditFileRecord file);

    /// <summary>Records a digest and marks the log files it covers.</summary>
    Task RecordDigestAsync(AuditFileRecord digest, IReadOnlyList<long> logFileSeqs);
    Task<List<AuditFileRecord>> UndigestedLogFilesAsync(string accountId, string region);
    Task<AuditFileRecord?> LastDigestAsync(string accountId, string region);
    Task<List<(string AccountId, string Region)>> ScopesAsync();

    /// <summary>Drops delivered events older than the time.</summary>
    Task<int> DeleteDeliveredBeforeAsync(long eventTimeMs);
}
