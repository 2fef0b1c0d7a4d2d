namespace Cubicle.Services.Admin;

/// <summary>A node of the cluster as DescribeHosts shows it: ACTIVE while its heartbeat is recent, and, when it runs
/// desktops, their count, disk and memory.</summary>
public sealed class HostDescription
{
    public string? HostName { get; set; }
    public string? Url { get; set; }
    public string? State { get; set; }
    public double? StartTime { get; set; }
    public double? LastHeartbeatTime { get; set; }
    public int? MaxDesktops { get; set; }
    public int? RunningDesktops { get; set; }
    public bool? BelowDiskReserve { get; set; }
    public HostResourceUsage? Disk { get; set; }
    public HostResourceUsage? Memory { get; set; }
}
