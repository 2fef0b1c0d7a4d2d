namespace Cubicle.Storage;

/// <summary>The workspaces on a host that share a compute type and whether they hold a running desktop: how many,
/// and the sum of their user volumes' sizes.</summary>
public sealed class HostLoadRow
{
    public string? ComputeTypeName { get; set; }
    public bool Running { get; set; }
    public long Count { get; set; }
    public long UserGib { get; set; }
}
