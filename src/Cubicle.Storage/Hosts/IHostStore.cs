namespace Cubicle.Storage;

/// <summary>The nodes sharing the database.</summary>
public interface IHostStore
{
    /// <summary>Records the node (or its heartbeat and measurements).</summary>
    Task UpsertAsync(HostRecord host);

    /// <summary>The node's row, or null when it never reported.</summary>
    Task<HostRecord?> GetAsync(string name);

    /// <summary>The node's row, locked until the transaction ends: placements on it, from any node, take turns.
    /// Null when it never reported.</summary>
    Task<HostRecord?> LockAsync(string name);

    /// <summary>What the workspaces on the host hold, by compute type and whether their desktop runs (the states
    /// given).</summary>
    Task<List<HostLoadRow>> LoadAsync(string hostId, string[] runningStates);
    Task<List<HostRecord>> ListAsync();
}
