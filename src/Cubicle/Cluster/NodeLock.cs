using Cubicle.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cubicle.Cluster;

/// <summary>
/// The cluster lock on this node's name, held for the life of the process. A lost connection to the database loses
/// it (PostgreSQL releases a session's locks), so it is checked every few seconds and taken again; while it is not
/// held, this node claims no jobs. If another process took the name meanwhile, this one stops: two processes must
/// never run as one node.
/// </summary>
public sealed class NodeLock(IDatabase db, NodeIdentity node, IClusterLock held, IHostApplicationLifetime lifetime,
    ILogger<NodeLock> log) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    private IClusterLock? _held = held;

    /// <summary>Whether this process holds the node's name (as last checked).</summary>
    public bool IsHeld => _held is not null;

    public static Task<IClusterLock?> TryTakeAsync(IDatabase db, NodeIdentity node) => db.TryLockAsync("node:" + node.Name);

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, ct);
                if (_held is not null && await _held.IsHeldAsync(ct)) continue;
                if (_held is not null)
                {
                    log.LogWarning("The lock on node name {Node} was lost with the database connection; taking it again", node.Name);
                    await _held.DisposeAsync();
                    _held = null;
                }
                _held = await TryTakeAsync(db, node);
                if (_held is not null) log.LogInformation("Node name {Node} is held again", node.Name);
                else
                {
                    log.LogCritical("Another process now runs as node {Node}: stopping this one", node.Name);
                    lifetime.StopApplication();
                    return;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (StoreUnavailableException) { } // the database is away: try again in a moment
        }
    }

    public override async Task StopAsync(CancellationToken ct)
    {
        await base.StopAsync(ct);
        if (_held is not null) await _held.DisposeAsync();
    }
}
