namespace Cubicle.Domain;

/// <summary>
/// What a desktop host holds and what it may promise, as OpenStack Cinder's capacity filter reasons about thin
/// pools: volumes are promised up to <see cref="DiskRatio"/> times the disk their files can use, less a reserve
/// (<see cref="DiskReservePercent"/>, at least 1 GiB) that is never promised and below which nothing new is
/// written; memory is promised up to <see cref="MemoryRatio"/> times the host's. A placement that would pass a
/// limit is refused with the resource named; measured use only decides the reserve.
/// </summary>
/// <param name="Host">The host's name.</param>
/// <param name="MaxDesktops">Desktops it runs at once.</param>
/// <param name="DiskBytes">The disk the desktops' files can use: what they hold plus what is free.</param>
/// <param name="DiskFreeBytes">Free on that disk, as last measured.</param>
/// <param name="MemoryBytes">The host's memory.</param>
/// <param name="DiskUsedBytes">What the desktops' files really hold, as last measured.</param>
/// <param name="MemoryUsedBytes">Memory in use on the host, as last measured.</param>
public sealed record HostCapacity(
    string Host,
    int MaxDesktops,
    long DiskBytes,
    long DiskFreeBytes,
    long MemoryBytes,
    double DiskRatio,
    double DiskReservePercent,
    double MemoryRatio,
    long DiskUsedBytes = 0,
    long MemoryUsedBytes = 0
)
{
    private const double GiB = HostShare.GiB;

    public long DiskReserveBytes => Math.Max(HostShare.GiB, (long)(DiskBytes * DiskReservePercent / 100));

    /// <summary>The volume bytes the host may promise in all.</summary>
    public long DiskLimitBytes => (long)(Math.Max(0, DiskBytes - DiskReserveBytes) * DiskRatio);

    /// <summary>The memory the host may promise in all.</summary>
    public long MemoryLimitBytes => (long)(MemoryBytes * MemoryRatio);

    /// <summary>Whether the free disk has fallen into the reserve: nothing new is written.</summary>
    public bool BelowReserve => DiskFreeBytes < DiskReserveBytes;

    /// <summary>Why the share cannot be taken on top of the load (the short resource named), or null when it
    /// fits.</summary>
    public string? Refusal(HostLoad load, HostShare share)
    {
        if (share.Desktops > 0 && load.Desktops + share.Desktops > MaxDesktops)
            return $"Host {Host} runs at most {MaxDesktops} desktops at once and has no room for another "
                + $"(desktops: {load.Desktops} of {MaxDesktops}).";
        if (share.MemoryBytes > 0 && load.MemoryBytes + share.MemoryBytes > MemoryLimitBytes)
            return $"Host {Host} has no memory left to promise {share.MemoryBytes / GiB:0.#} GiB more (memory: "
                + $"{load.MemoryBytes / GiB:0.#} GiB promised of {MemoryLimitBytes / GiB:0.#} GiB, "
                + $"{MemoryRatio:0.##} times its {MemoryBytes / GiB:0.#} GiB).";
        if (share.WritesDisk && BelowReserve)
            return $"The disk of host {Host} is below its reserve (disk: {DiskFreeBytes / GiB:0.#} GiB free, "
                + $"{DiskReserveBytes / GiB:0.#} GiB kept): no volume is made, grown or restored until space is "
                + "freed.";
        if (share.DiskBytes > 0 && load.DiskBytes + share.DiskBytes > DiskLimitBytes)
            return $"Host {Host} has no disk left to promise a {share.DiskBytes / GiB:0.#} GiB volume (disk: "
                + $"{load.DiskBytes / GiB:0.#} GiB promised of {DiskLimitBytes / GiB:0.#} GiB, {DiskRatio:0.##} "
                + $"times the {(DiskBytes - DiskReserveBytes) / GiB:0.#} GiB its volumes can use).";
        return null;
    }
}
