using Cubicle.Desktops;
using Cubicle.Domain;
using Cubicle.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cubicle.Cluster;

/// <summary>
/// Keeps this node's row in the hosts table: where it answers, since when, a heartbeat and, when it runs desktops,
/// their capacity as measured now with its stated oversubscription (what placements on every node check). The
/// disk's free space falling into its reserve is logged once per crossing, and its coming back once.
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

    private HostCapacity? _last;

    public async Task BeatAsync(long startedAt)
    {
        var measured = await MeasureAsync();
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
                        DiskBytes = measured?.DiskBytes,
                        DiskFreeBytes = measured?.DiskFreeBytes,
                        DiskUsedBytes = measured?.DiskUsedBytes,
                        MemoryBytes = measured?.MemoryBytes,
                        MemoryUsedBytes = measured?.MemoryUsedBytes,
                        DiskRatio = measured?.DiskRatio,
                        DiskReservePercent = measured?.DiskReservePercent,
                        MemoryRatio = measured?.MemoryRatio,
                    }
                );
                return 0;
            }
        );
    }

    /// <summary>The capacity now (the last one when it cannot be measured), with a word on reserve crossings.
    /// </summary>
    private async Task<HostCapacity?> MeasureAsync()
    {
        HostCapacity? now;
        try
        {
            now = await desktops.MeasureAsync(node.Name, CancellationToken.None);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or FormatException)
        {
            log.LogWarning("The capacity of host {Host} could not be measured: {Error}", node.Name, ex.Message);
            return _last;
        }
        if (now is not null && now.BelowReserve != (_last?.BelowReserve ?? false))
        {
            if (now.BelowReserve)
                log.LogWarning(
                    "The disk of host {Host} is below its reserve: {Free} GiB free, {Reserve} GiB kept; new volumes, "
                        + "growth and snapshots are refused until space is freed",
                    node.Name,
                    Math.Round(now.DiskFreeBytes / (double)HostShare.GiB, 1),
                    Math.Round(now.DiskReserveBytes / (double)HostShare.GiB, 1)
                );
            else
                log.LogInformation(
                    "The disk of host {Host} is above its reserve again: {Free} GiB free",
                    node.Name,
                    Math.Round(now.DiskFreeBytes / (double)HostShare.GiB, 1)
                );
        }
        return _last = now ?? _last;
    }

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
