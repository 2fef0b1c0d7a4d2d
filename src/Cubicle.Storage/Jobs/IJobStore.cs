namespace Cubicle.Storage;

/// <summary>
/// The durable job queue: a job is written in the transaction of the change that needs it, claimed by one node
/// at a time under a lease that node renews while it works, and deleted in the transaction of its outcome.
/// </summary>
public interface IJobStore
{
    /// <summary>Queues a job (and tells every node).</summary>
    Task<long> ScheduleAsync(string subject, long subjectSeq, string kind, long dueAt, string? hostId = null);

    /// <summary>Deletes the resource's queued jobs of the given kinds (all kinds when null).</summary>
    Task CancelAsync(string subject, long subjectSeq, string[]? kinds = null);

    /// <summary>Claims up to <paramref name="max"/> due jobs that no live lease holds, skipping those another
    /// node is claiming at this moment.</summary>
    Task<List<JobRecord>> ClaimAsync(long now, string owner, long leaseUntil, string hostId, int max);

    /// <summary>Extends the lease, if the job is still this owner's claim; false when it was lost.</summary>
    Task<bool> RenewAsync(long id, string owner, int attempts, long leaseUntil);
    Task<JobRecord?> GetAsync(long id);
    Task DeleteAsync(long id);
    Task RetryAsync(long id, long dueAt, string error);

    /// <summary>When the next job this host may run is due, or null when none is queued.</summary>
    Task<long?> NextDueAsync(string hostId);

    /// <summary>How many jobs are queued, by kind (for the metrics).</summary>
    Task<List<(string Kind, long Count)>> CountByKindAsync();

    /// <summary>Frees the leases of earlier processes of this node (owners "node:..."), which are known dead.</summary>
    Task<int> ReleaseNodeAsync(string node);
}
