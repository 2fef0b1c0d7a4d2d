using Cubicle.Cluster;
using Cubicle.Domain;
using Cubicle.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cubicle.Observability;

/// <summary>Samples, every few seconds, what the metrics show of the database: jobs queued, desktops running, audit
/// events waiting and how late their delivery is, and each desktop host's capacity and load. (Never on a scrape: a
/// scrape must not cost the database.)</summary>
public sealed class MetricsSampler(IDatabase db, CubicleMetrics metrics, TimeProvider time, ILogger<MetricsSampler> log)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    public async Task SampleAsync(CancellationToken ct = default)
    {
        var (jobs, desktops, waiting, oldest) = await db.ReadAsync(
            async u =>
                (
                    await u.Jobs.CountByKindAsync(),
                    await u.Workspaces.CountInStatesAsync(WorkspaceState.Running),
                    await u.Audit.CountUndeliveredAsync(),
                    await u.Audit.OldestUndeliveredTimeAsync()
                ),
            ct
        );
        metrics.Hosts = await db.ReadAsync(HostsAsync, ct);
        metrics.JobsQueued = jobs.ToDictionary(j => j.Kind, j => j.Count);
        Interlocked.Exchange(ref metrics.DesktopsRunning, desktops);
        Interlocked.Exchange(ref metrics.AuditEventsWaiting, waiting);
        metrics.AuditDeliveryLagSeconds = oldest is { } t
            ? Math.Max(0, (time.GetUtcNow().ToUnixTimeMilliseconds() - t) / 1000.0)
            : 0;
    }

    private static async Task<IReadOnlyList<(HostCapacity, HostLoad)>> HostsAsync(IUnitOfWork u)
    {
        var hosts = new List<(HostCapacity, HostLoad)>();
        foreach (var record in await u.Hosts.ListAsync())
            if (HostLoads.CapacityOf(record) is { } capacity)
                hosts.Add((capacity, await HostLoads.LoadAsync(u, record.Name)));
        return hosts;
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await SampleAsync(ct);
            }
            catch (StoreUnavailableException ex)
            {
                log.LogDebug("Metrics not sampled: {Error}", ex.Message);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
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
