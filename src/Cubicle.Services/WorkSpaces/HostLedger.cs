using Cubicle.Cluster;
using Cubicle.Domain;
using Cubicle.Storage;

namespace Cubicle.Services.WorkSpaces;

/// <summary>The shares of desktop hosts that one transaction takes (<see cref="HostCapacity"/>). A host's row stays
/// locked from its first share until commit, and what its workspaces hold is counted then, once: concurrent
/// placements on it, from any node and on either engine, take turns and never pass its limits together.</summary>
internal sealed class HostLedger(IUnitOfWork u)
{
    private readonly Dictionary<string, (HostCapacity? Capacity, HostLoad Load)> _hosts = new(StringComparer.Ordinal);

    /// <summary>Takes the share of the host; or, taking nothing, says which resource is short.</summary>
    public async Task<string?> TakeAsync(string host, HostShare share)
    {
        if (!_hosts.TryGetValue(host, out var entry))
        {
            var record = await u.Hosts.LockAsync(host);
            entry = (HostLoads.CapacityOf(record), await HostLoads.LoadAsync(u, host));
        }
        if (entry.Capacity is null)
            return $"Host {host} has not reported its capacity: no desktop is placed there.";
        if (entry.Capacity.Refusal(entry.Load, share) is { } refused)
        {
            _hosts[host] = entry;
            return refused;
        }
        _hosts[host] = (entry.Capacity, entry.Load.Plus(share));
        return null;
    }
}
