using Cubicle.Storage;

namespace Cubicle.Cluster;

/// <summary>The cluster lock on this node's name, held for the life of the process.</summary>
public sealed class NodeLock(IClusterLock held) : IAsyncDisposable
{
    public static async Task<NodeLock?> TryTakeAsync(IDatabase db, NodeIdentity node) =>
        await db.TryLockAsync("node:" + node.Name) is { } held ? new NodeLock(held) : null;

    public Task<bool> IsHeldAsync(CancellationToken ct = default) => held.IsHeldAsync(ct);

    public ValueTask DisposeAsync() => held.DisposeAsync();
}
