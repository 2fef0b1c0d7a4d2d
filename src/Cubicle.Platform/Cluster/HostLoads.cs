using Cubicle.Domain;
using Cubicle.Storage;

namespace Cubicle.Cluster;

/// <summary>A desktop host's capacity and what it has promised, read from the database: its row (as its heartbeat
/// measured it) and its workspaces.</summary>
public static class HostLoads
{
    /// <summary>The capacity the host last reported, or null when it runs no desktops or never measured.</summary>
    public static HostCapacity? CapacityOf(HostRecord? r) =>
        r is { Capacity: { } max, DiskBytes: { } disk, MemoryBytes: { } memory }
            ? new HostCapacity(
                r.Name,
                max,
                disk,
                r.DiskFreeBytes ?? 0,
                memory,
                r.DiskRatio ?? 1,
                r.DiskReservePercent ?? 0,
                r.MemoryRatio ?? 1,
                r.DiskUsedBytes ?? 0,
                r.MemoryUsedBytes ?? 0
            )
            : null;

    /// <summary>What the host's workspaces hold: running desktops and their compute types' memory, and the sizes of
    /// the volumes of every workspace not TERMINATED.</summary>
    public static async Task<HostLoad> LoadAsync(IUnitOfWork u, string host)
    {
        var load = HostLoad.None;
        foreach (var row in await u.Hosts.LoadAsync(host, WorkspaceState.Running))
        {
            var memory = row.Running ? row.Count * ComputeTypes.Of(row.ComputeTypeName).MemoryMiB * (1L << 20) : 0;
            load = new HostLoad(
                load.Desktops + (row.Running ? (int)row.Count : 0),
                load.MemoryBytes + memory,
                load.DiskBytes + row.UserGib * HostShare.GiB
            );
        }
        return load;
    }
}
