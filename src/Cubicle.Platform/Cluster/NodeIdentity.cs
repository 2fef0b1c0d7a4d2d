namespace Cubicle.Cluster;

/// <summary>
/// This node of the cluster: a stable name (one process at a time may run under it, see <see cref="NodeLock"/>) and
/// an id for this process, so that the leases it takes ("name:instance") are told apart from those of the same
/// node's earlier processes, which are known dead once this one holds the name.
/// </summary>
public sealed class NodeIdentity(string name, string? url = null)
{
    public string Name { get; } = name;
    public string? Url { get; } = url;
    public string InstanceId { get; } = Guid.NewGuid().ToString("N")[..12];
    public string LeaseOwner => $"{Name}:{InstanceId}";
}
