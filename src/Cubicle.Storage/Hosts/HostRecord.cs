namespace Cubicle.Storage;

/// <summary>
/// A node of the cluster: where it answers, since when, when it was last seen, and its desktop capacity.
/// </summary>
public sealed class HostRecord
{
    public string Name { get; set; } = "";
    public string? Url { get; set; }
    public long StartedAt { get; set; }
    public long HeartbeatAt { get; set; }

    /// <summary>Desktops it runs at once; null when it runs none of its own (simulated desktops).</summary>
    public int? Capacity { get; set; }
}
