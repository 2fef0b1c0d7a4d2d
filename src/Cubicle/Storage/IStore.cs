using Cubicle.Api;

namespace Cubicle.Storage;

/// <summary>
/// The one storage interface (SQLite now, PostgreSQL next). Reads run on their own connection;
/// writes run one transaction at a time and are durable when <see cref="WriteAsync{T}"/> returns.
/// </summary>
public interface IStore : IDisposable
{
    Task<T> ReadAsync<T>(Func<IStoreReader, T> read);
    Task<T> WriteAsync<T>(Func<IStoreTx, T> work);
}

public interface IStoreReader
{
    WorkspaceRecord? GetWorkspace(string accountId, string region, string workspaceId);
    WorkspaceRecord? GetWorkspaceById(string workspaceId);
    WorkspaceRecord? GetWorkspaceBySeq(long seq);
    List<WorkspaceRecord> ListWorkspaces(WorkspaceQuery query);
    /// <summary>The same page as <see cref="ListWorkspaces"/>, as each row's pre-rendered API JSON.</summary>
    List<(long Seq, byte[] Json)> ListWorkspaceJson(WorkspaceQuery query);
    DirectoryRecord? GetDirectory(string accountId, string region, string directoryId);
    List<DirectoryRecord> ListDirectories(string accountId, string region, IReadOnlyList<string>? ids, IReadOnlyList<string>? names, long afterSeq, int limit);
    bool DirectoryHasUser(long directorySeq, string userName);
    bool HasActiveWorkspace(string accountId, string region, string directoryId, string userName);
    int CountActiveWorkspaces(string accountId);
    List<Tag> GetTags(string accountId, string region, string resourceId);
    long? NextTransitionDue();
    string? GetMeta(string key);
    AccessKeyRecord? GetAccessKey(string accessKeyId);
    List<AccessKeyRecord> ListAccessKeys(string? accountId);

    /// <summary>Workspaces of every account in one state, in seq order (for the desktop monitor).</summary>
    List<WorkspaceRecord> WorkspacesInState(string state, long afterSeq, int limit);
    /// <summary>Workspaces of every account in any of these states (for this host's desktop capacity).</summary>
    int CountWorkspacesInStates(string[] states);
    List<DirectoryRecord> AllDirectories();
    string? GetUserPasswordHash(long directorySeq, string userName);

    List<AuditEventRecord> LookupEvents(AuditQuery query);
    /// <summary>Events after the delivery watermark, oldest first.</summary>
    List<AuditEventRecord> UndeliveredEvents(long afterSeq, int max);
    long CountEventsAfter(long afterSeq);
    List<AuditFileRecord> UndigestedLogFiles(string accountId, string region);
    AuditFileRecord? LastDigest(string accountId, string region);
    List<(string AccountId, string Region)> AuditScopes();
}

public interface IStoreTx : IStoreReader
{
    long InsertWorkspace(WorkspaceRecord ws);
    void UpdateWorkspace(WorkspaceRecord ws);
    void DeleteWorkspace(WorkspaceRecord ws);
    void ChangeActiveCount(string accountId, int delta);

    long ScheduleTransition(long workspaceSeq, string kind, long dueAt);
    /// <summary>Deletes the workspace's pending transitions of the given kinds (all kinds when null).</summary>
    void CancelTransitions(long workspaceSeq, string[]? kinds = null);
    List<TransitionRecord> ClaimDueTransitions(long now, long leaseUntil, int max);
    TransitionRecord? GetTransition(long id);
    void DeleteTransition(long id);
    void RetryTransition(long id, long dueAt, string error);
    void ReleaseAllLeases();

    void PutTags(string accountId, string region, string resourceId, IEnumerable<Tag> tags);
    void DeleteTags(string accountId, string region, string resourceId, IEnumerable<string>? keys);

    SubnetRecord? GetSubnet(string accountId, string subnetId);
    void UpsertSubnet(SubnetRecord subnet, bool keepCursor);
    bool IpInUse(string accountId, string subnetId, string ip);

    void UpsertDirectory(DirectoryRecord directory, IEnumerable<string> users);
    void SetMeta(string key, string value);
    bool SetUserPasswordHash(long directorySeq, string userName, string hash);
    void InsertAccessKey(AccessKeyRecord key);
    bool DeleteAccessKey(string accessKeyId);

    void InsertAuditEvent(AuditEventRecord e);
    /// <summary>Records a delivered log file.</summary>
    void RecordLogFile(AuditFileRecord file);
    /// <summary>Records a digest and marks the log files it covers.</summary>
    void RecordDigest(AuditFileRecord digest, IReadOnlyList<long> logFileSeqs);
    /// <summary>Drops delivered events (seq up to the watermark) older than the time.</summary>
    int DeleteAuditEventsBefore(long eventTimeMs, long deliveredThroughSeq);
}

public static class StoreSecrets
{
    /// <summary>A random 32-byte secret kept in the database under a name, made on first use, so what it
    /// seals (page tokens, desktop sessions) stays valid across restarts.</summary>
    public static byte[] Secret(this IStore store, string name) => store.WriteAsync(tx =>
    {
        if (tx.GetMeta(name) is { } existing) return Convert.FromBase64String(existing);
        var key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        tx.SetMeta(name, Convert.ToBase64String(key));
        return key;
    }).GetAwaiter().GetResult();
}
