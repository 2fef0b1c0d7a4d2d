namespace Cubicle.Storage;

/// <summary>Directory Service directories and the users of the built-in (Simple AD) ones.</summary>
public interface IDsDirectoryStore
{
    Task<DsDirectoryRecord?> GetAsync(string accountId, string region, string directoryId);
    Task<DsDirectoryRecord?> GetBySeqAsync(long seq);

    /// <summary>A page in creation order; <paramref name="ids"/> restricts it to those directories.</summary>
    Task<List<DsDirectoryRecord>> ListAsync(
        string accountId,
        string region,
        IReadOnlyList<string>? ids,
        long afterSeq,
        int limit
    );
    Task<long> InsertAsync(DsDirectoryRecord directory);
    Task UpdateAsync(DsDirectoryRecord directory);
    Task DeleteAsync(long seq);

    /// <summary>Takes the next relative id for a new user (the directory's row stays locked until commit).</summary>
    Task<long> TakeRidAsync(long seq);

    Task<DirectoryUserRecord?> GetUserAsync(long directorySeq, string userName);

    /// <summary>
    /// A page of users in the order they were made (by relative id), after <paramref name="afterRid"/>.
    /// </summary>
    Task<List<DirectoryUserRecord>> ListUsersAsync(long directorySeq, long afterRid, int limit);

    /// <summary>Inserts the user; false when one of that name exists.</summary>
    Task<bool> InsertUserAsync(DirectoryUserRecord user);
    Task UpdateUserAsync(DirectoryUserRecord user);
    Task<bool> DeleteUserAsync(long directorySeq, string userName);
}
