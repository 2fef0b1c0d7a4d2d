namespace Cubicle.Storage;

/// <summary>
/// A node of the cluster: where it answers, since when, when it was last seen, and, when it runs desktops, their
/// capacity as last measured and the oversubscription it states (placements on any node read them here).
/// </summary>
public sealed class HostRecord
{
    public string Name { get; set; } = "";
    public string? Url { get; set; }
    public long StartedAt { get; set; }
    public long HeartbeatAt { get; set; }

    /// <summary>Desktops it runs at once; null when it runs none of its own (simulated desktops).</summary>
    public int? Capacity { get; set; }

    /// <summary>The disk its desktops' files can use: what they hold plus what is free.</summary>
    public long? DiskBytes { get; set; }
    public long? DiskFreeBytes { get; set; }

    /// <summary>What the desktops' files (volumes, snapshots) really hold on the disk.</summary>
    public long? DiskUsedBytes { get; set; }
    public long? MemoryBytes { get; set; }

    /// <summary>Memory in use on the host (all of it, not only the desktops').</summary>
    public long? MemoryUsedBytes { get; set; }
    public double? DiskRatio { get; set; }
    public double? DiskReservePercent { get; set; }
    public double? MemoryRatio { get; set; }
}
