namespace Cubicle.Storage;

/// <summary>The nodes sharing the database.</summary>
public interface IHostStore
{
    /// <summary>Records the node (or its heartbeat).</summary>
    Task UpsertAsync(HostRecord host);

    /// <summary>Locks the node's row until the transaction ends, serialising the checks of its capacity.</summary>
    Task LockAsync(string name);
    Task<List<HostRecord>> ListAsync();
}
