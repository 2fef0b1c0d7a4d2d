namespace Cubicle.Storage;

/// <summary>
/// The database every node shares: SQLite (embedded, one node) or PostgreSQL (several nodes). Reads run on
/// read-only connections; a write is one transaction that commits together with the audit events its journal
/// records, and is durable when <see cref="WriteAsync{T}"/> returns. A write may run its work more than once
/// (a serialization failure is retried), so the work changes nothing outside the database.
/// </summary>
public interface IDatabase : IAsyncDisposable
{
    /// <summary>"sqlite" or "postgres".</summary>
    string Engine { get; }

    Task<T> ReadAsync<T>(Func<IUnitOfWork, Task<T>> read, CancellationToken ct = default);

    Task<T> WriteAsync<T>(Journal journal, Func<IUnitOfWork, Task<T>> work, CancellationToken ct = default);

    /// <summary>Runs <paramref name="handler"/> on this node whenever a committed write (of any node) notified
    /// <paramref name="channel"/>, and after a lost connection to the database comes back (a notice may have
    /// been missed).</summary>
    void Subscribe(string channel, Action handler);

    /// <summary>A lock held by at most one process of the cluster until disposed (or until the process dies);
    /// null when another process holds it.</summary>
    Task<IClusterLock?> TryLockAsync(string name, CancellationToken ct = default);

    /// <summary>Whether the database answers now.</summary>
    Task<bool> PingAsync(CancellationToken ct = default);

    /// <summary>Commits audit events that no change commits (reads, failures), durable when it returns; an event id
    /// already stored is skipped. One statement where the engine can, so a group costs one round trip.</summary>
    Task InsertAuditEventsAsync(IReadOnlyList<AuditEventRecord> events, CancellationToken ct = default);
}
