using Cubicle.Cluster;
using Cubicle.Protocol;
using Cubicle.Storage;

namespace Cubicle.Services.Admin;

/// <summary>DescribeHosts: the operator's view of the hosts, their capacity and what is promised of it. Hosts are the
/// operator's, not a tenant's: only the operator account (the root key's) may describe them.</summary>
public sealed class HostDescriptions(IDatabase db, TimeProvider time)
{
    /// <summary>Heartbeats missed before a host counts as UNREACHABLE.</summary>
    private const int MissedBeats = 3;

    public async Task<DescribeHostsResult> DescribeAsync(CallContext ctx, DescribeHostsRequest req)
    {
        ctx.Authorize("DescribeHosts", $"arn:aws:cubicle:{ctx.Region}:{ctx.AccountId}:host/*");
        if (ctx.AccountId != CubicleOptions.DefaultAccountId)
            throw new ApiException(
                ErrorCodes.AccessDenied,
                $"Hosts are the operator's: only account {CubicleOptions.DefaultAccountId} may describe them."
            );
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var hosts = await db.ReadAsync(async u =>
        {
            var list = new List<HostDescription>();
            foreach (var r in await u.Hosts.ListAsync())
                list.Add(await DescribeAsync(u, r, now));
            return list;
        });
        return new DescribeHostsResult { Hosts = hosts };
    }

    private static async Task<HostDescription> DescribeAsync(IUnitOfWork u, HostRecord r, long now)
    {
        var stale = now - r.HeartbeatAt > MissedBeats * HostHeartbeat.Interval.TotalMilliseconds;
        var d = new HostDescription
        {
            HostName = r.Name,
            Url = r.Url,
            State = stale ? "UNREACHABLE" : "ACTIVE",
            StartTime = r.StartedAt / 1000.0,
            LastHeartbeatTime = r.HeartbeatAt / 1000.0,
        };
        if (HostLoads.CapacityOf(r) is not { } c)
            return d;
        var load = await HostLoads.LoadAsync(u, r.Name);
        d.MaxDesktops = c.MaxDesktops;
        d.RunningDesktops = load.Desktops;
        d.BelowDiskReserve = c.BelowReserve;
        d.Disk = new HostResourceUsage
        {
            Capacity = c.DiskBytes,
            Limit = c.DiskLimitBytes,
            Provisioned = load.DiskBytes,
            Used = c.DiskUsedBytes,
            Free = c.DiskFreeBytes,
            Reserve = c.DiskReserveBytes,
            Oversubscription = c.DiskRatio,
        };
        d.Memory = new HostResourceUsage
        {
            Capacity = c.MemoryBytes,
            Limit = c.MemoryLimitBytes,
            Provisioned = load.MemoryBytes,
            Used = c.MemoryUsedBytes,
            Free = Math.Max(0, c.MemoryBytes - c.MemoryUsedBytes),
            Oversubscription = c.MemoryRatio,
        };
        return d;
    }
}
