using Cubicle.Desktops;
using Cubicle.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cubicle.Cluster;

/// <summary>
/// Keeps this node's row in the hosts table: where it answers, since when, its capacity, and a heartbeat.
/// </summary>
public sealed class HostHeartbeat(
    IDatabase db,
    NodeIdentity node,
    IDesktopProvider desktops,
    TimeProvider time,
    ILogger<HostHeartbeat> log
) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    public async Task BeatAsync(long startedAt) =>
        await db.WriteAsync(
            Journal.Service,
            async u =>
            {
                await u.Hosts.UpsertAsync(
                    new HostRecord
                    {
                        Name = node.Name,
                        Url = node.Url,
                        StartedAt = startedAt,
                        HeartbeatAt = time.GetUtcNow().ToUnixTimeMilliseconds(),
                        Capacity = desktops.Capacity,
                    }
                );
                return 0;
            }
        );

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var startedAt = time.GetUtcNow().ToUnixTimeMilliseconds();
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await BeatAsync(startedAt);
            }
            catch (StoreUnavailableException ex)
            {
                log.LogWarning("Heartbeat not recorded: {Error}", ex.Message);
            }
            try
            {
                await Task.Delay(Interval, time, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
