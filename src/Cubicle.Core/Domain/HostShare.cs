namespace Cubicle.Domain;

/// <summary>
/// What one placement takes of a desktop host: a desktop and its compute type's memory (a create, a start), volume
/// bytes (a create, a growth), and whether it writes a volume now (a create, a rebuild, a restore, a growth), which
/// the disk's reserve refuses.
/// </summary>
public sealed record HostShare(int Desktops, long MemoryBytes, long DiskBytes, bool WritesDisk)
{
    public const long GiB = 1L << 30;

    /// <summary>A new workspace: its desktop, memory and user volume.</summary>
    public static HostShare Create(ComputeTypeInfo compute, int userVolumeGib) =>
        new(1, compute.MemoryMiB * (1L << 20), userVolumeGib * GiB, WritesDisk: true);

    /// <summary>A desktop started again: its volume is already counted.</summary>
    public static HostShare Start(ComputeTypeInfo compute) => new(1, compute.MemoryMiB * (1L << 20), 0, false);

    /// <summary>A fresh user volume of the size already counted (rebuild, restore); a desktop too when the
    /// workspace held none.</summary>
    public static HostShare Rebuild(ComputeTypeInfo compute, bool running) =>
        running ? new(0, 0, 0, WritesDisk: true) : Start(compute) with { WritesDisk = true };

    /// <summary>A change of a workspace's properties: more volume, a larger compute type while it runs.</summary>
    public static HostShare Modify(long moreMemoryBytes, long moreDiskBytes) =>
        new(0, Math.Max(0, moreMemoryBytes), Math.Max(0, moreDiskBytes), WritesDisk: moreDiskBytes > 0);
}
