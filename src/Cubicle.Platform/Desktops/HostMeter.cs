using Cubicle.Domain;

namespace Cubicle.Desktops;

/// <summary>
/// Measures what the local desktops can use: the disk that holds DATA/desktops (what their files hold, with du, plus
/// what is free, with df) and the host's memory (/proc/meminfo, or the server's cgroup limit when lower), with the
/// oversubscription the options state.
/// </summary>
public sealed class HostMeter(DesktopPaths paths, LocalDesktopOptions options)
{
    public async Task<HostCapacity> MeasureAsync(string host, CancellationToken ct = default)
    {
        var free = await FreeBytesAsync(ct);
        // -x: the mounted user volumes are other file systems; their images are counted once, by what they hold.
        var du = await HostCommand.CheckAsync("du", ["-s", "-x", "-B1", paths.Root], ct);
        var used = long.Parse(du.Split('\t', 2)[0]);
        var (memory, available) = Memory();
        return new HostCapacity(
            host,
            options.MaxDesktops,
            DiskBytes: used + free,
            DiskFreeBytes: free,
            MemoryBytes: memory,
            options.DiskOversubscription,
            options.DiskReservePercent,
            options.MemoryOversubscription,
            DiskUsedBytes: used,
            MemoryUsedBytes: Math.Max(0, memory - available)
        );
    }

    /// <summary>What is free on the disk of DATA/desktops (df: what the server may still write).</summary>
    public async Task<long> FreeBytesAsync(CancellationToken ct = default)
    {
        var df = await HostCommand.CheckAsync("df", ["-B1", "--output=avail", paths.Root], ct);
        return long.Parse(df.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1].Trim());
    }

    /// <summary>Total and available memory, in bytes.</summary>
    private static (long Total, long Available) Memory()
    {
        long Field(string[] lines, string name) =>
            lines
                .Where(l => l.StartsWith(name + ":", StringComparison.Ordinal))
                .Select(l => long.Parse(l[(name.Length + 1)..].Trim().Split(' ')[0]) * 1024)
                .FirstOrDefault();
        var info = File.ReadAllLines("/proc/meminfo");
        var (total, available) = (Field(info, "MemTotal"), Field(info, "MemAvailable"));
        const string limitFile = "/sys/fs/cgroup/memory.max";
        if (File.Exists(limitFile) && long.TryParse(File.ReadAllText(limitFile).Trim(), out var limit) && limit < total)
            return (limit, Math.Max(0, available - (total - limit)));
        return (total, available);
    }
}
