using Cubicle.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cubicle.Cluster;

/// <summary>
/// The cluster lock on this node's name, held for the life of the process. A lost connection to the database loses
/// it (PostgreSQL releases a session's locks), so it is checked every few seconds, and by /health, and taken again;
/// while it is not held, this node claims no jobs and reports itself unhealthy. If another process took the name
/// meanwhile, this one stops: two processes must never run as one node.
/// </summary>
public sealed class NodeLock(
    IDatabase db,
    NodeIdentity node,
    IClusterLock held,
    IHostApplicationLifetime lifetime,
    ILogger<NodeLock> log
) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    // The lock's connection serves one command at a time: the loop and /health take turns.
    private readonly SemaphoreSlim _turn = new(1, 1);
    private volatile IClusterLock? _held = held;
    private volatile bool _stopping;

    /// <summary>Whether this process holds the node's name (as last checked).</summary>
    public bool IsHeld => _held is not null;

    public static Task<IClusterLock?> TryTakeAsync(IDatabase db, NodeIdentity node) =>
        db.TryLockAsync("node:" + node.Name);

    /// <summary>Checks the lock on the database now, taking it again if its connection was lost; false while the
    /// database is away or once another process holds the name (this one then stops).</summary>
    public async Task<bool> CheckAsync(CancellationToken ct)
    {
        await _turn.WaitAsync(ct);
        try
        {
            if (_stopping)
                return false;
            if (_held is not null && await _held.IsHeldAsync(ct))
                return true;
            if (_held is not null)
            {
                log.LogWarning(
                    "The lock on node name {Node} was lost with the database connection; taking it again",
                    node.Name
                );
                var lost = _held;
                _held = null;
                await lost.DisposeAsync();
            }
            try
            {
                _held = await TryTakeAsync(db, node);
            }
            catch (StoreUnavailableException)
            {
                return false;
            } // the database is away: try again in a moment
            if (_held is not null)
            {
                log.LogInformation("Node name {Node} is held again", node.Name);
                return true;
            }
            log.LogCritical("Another process now runs as node {Node}: stopping this one", node.Name);
            _stopping = true;
            lifetime.StopApplication();
            return false;
        }
        finally
        {
            _turn.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested && !_stopping)
        {
            try
            {
                await Task.Delay(Interval, ct);
                await CheckAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
        }
    }

    public override async Task StopAsync(CancellationToken ct)
    {
        _stopping = true;
        await base.StopAsync(ct);
        try
        {
            await _turn.WaitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return; // out of time: the lock goes with its connection when the process ends
        }
        try
        {
            if (_held is { } held)
            {
                _held = null;
                await held.DisposeAsync();
            }
        }
        finally
        {
            _turn.Release();
        }
    }
}
