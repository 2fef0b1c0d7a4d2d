using Cubicle.Domain;
using Cubicle.Storage;

namespace Cubicle.Services.WorkSpaces;

/// <summary>The places left on desktop hosts, counted once per host and transaction. A host's row stays locked from
/// its first count until commit, so concurrent placements on it, from any node, take turns.</summary>
internal sealed class HostRooms(IUnitOfWork u, int? capacity)
{
    private readonly Dictionary<string, int> _left = new(StringComparer.Ordinal);

    /// <summary>Takes one place on the host, if it has one left.</summary>
    public async Task<bool> TakeAsync(string host)
    {
        if (!_left.TryGetValue(host, out var left))
        {
            await u.Hosts.LockAsync(host);
            left = capacity!.Value - await u.Workspaces.CountOnHostAsync(host, WorkspaceState.Running);
        }
        _left[host] = left - 1;
        return left > 0;
    }
}
