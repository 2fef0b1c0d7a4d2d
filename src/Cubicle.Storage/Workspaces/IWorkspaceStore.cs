using System.Buffers;

namespace Cubicle.Storage;

/// <summary>Workspaces, their per-account usage counter and their IP addresses.</summary>
public interface IWorkspaceStore
{
    Task<WorkspaceRecord?> GetAsync(string accountId, string region, string workspaceId);
    Task<WorkspaceRecord?> GetByIdAsync(string workspaceId);
    Task<WorkspaceRecord?> GetBySeqAsync(long seq);
    Task<List<WorkspaceRecord>> GetBySeqsAsync(IReadOnlyList<long> seqs);
    Task<List<WorkspaceRecord>> ListAsync(WorkspaceQuery query);

    /// <summary>The same page as <see cref="ListAsync"/>, as each row's cached API JSON, written one after the other
    /// into <paramref name="json"/> (a page reads no array per row).</summary>
    Task<List<RenderedRow>> ListRenderedAsync(WorkspaceQuery query, IBufferWriter<byte> json);

    /// <summary>Rows whose cached JSON was made by another renderer version, in seq order.</summary>
    Task<List<WorkspaceRecord>> StaleRenderedAsync(int version, long afterSeq, int limit);

    /// <summary>Workspaces of every account in one state, in seq order (for monitors).</summary>
    Task<List<WorkspaceRecord>> InStateAsync(string state, long afterSeq, int limit);
    Task<bool> HasActiveAsync(string accountId, string region, string directoryId, string userName);
    Task<int> CountActiveInDirectoryAsync(string accountId, string region, string directoryId);

    /// <summary>Locks the account's usage row until the transaction ends, serialising the account's creations
    /// across nodes; returns how many workspaces it holds (all but TERMINATED).</summary>
    Task<int> LockAccountAsync(string accountId);
    Task ChangeActiveCountAsync(string accountId, int delta);

    /// <summary>Workspaces of every account in any of the states (for the metrics).</summary>
    Task<long> CountInStatesAsync(string[] states);
    Task<bool> IpInUseAsync(string accountId, string subnetId, string ip);
    Task<long> InsertAsync(WorkspaceRecord ws, RenderedJson json);
    Task UpdateAsync(WorkspaceRecord ws, RenderedJson json);
    Task DeleteAsync(long seq);

    /// <summary>Records a snapshot of the workspace's volumes, keeping the last three.</summary>
    Task AddSnapshotAsync(long seq, long takenAt);

    /// <summary>The workspace's snapshots, newest first.</summary>
    Task<List<long>> SnapshotsAsync(long seq);
}
