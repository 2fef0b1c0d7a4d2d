namespace Cubicle.Storage;

/// <summary>A lock held by one process of the cluster (see <see cref="IDatabase.TryLockAsync"/>).</summary>
public interface IClusterLock : IAsyncDisposable
{
    /// <summary>Whether the lock is still held: a lost connection to the database loses it, and another process
    /// may have taken it since.</summary>
    Task<bool> IsHeldAsync(CancellationToken ct = default);
}
