namespace Cubicle.Storage;

/// <summary>The Directory Service statements run on a session; the same code for every engine.</summary>
public sealed class DsDirectoryStore(DbSession db, DsDirectorySql sql) : IDsDirectoryStore
{
    public Task<DsDirectoryRecord?> GetAsync(string accountId, string region, string directoryId) =>
        db.FirstAsync<DsDirectoryRecord>(
            sql.Get,
            new
            {
                accountId,
                region,
                directoryId,
            }
        );

    public Task<DsDirectoryRecord?> GetBySeqAsync(long seq) =>
        db.FirstAsync<DsDirectoryRecord>(sql.GetBySeq, new { seq });

    public Task<List<DsDirectoryRecord>> ListAsync(
        string accountId,
        string region,
        IReadOnlyList<string>? ids,
        long afterSeq,
        int limit
    ) =>
        db.QueryAsync<DsDirectoryRecord>(
            ids is null ? sql.List : sql.ListByIds,
            new
            {
                accountId,
                region,
                afterSeq,
                limit,
                ids = ids?.ToArray(),
            }
        );

    public async Task<long> InsertAsync(DsDirectoryRecord d) => d.Seq = await db.ScalarAsync<long>(sql.Insert, d);

    public async Task UpdateAsync(DsDirectoryRecord d)
    {
        StaleRowException.ThrowIfNone(await db.ExecuteAsync(sql.Update, d), "ds_directories", d.Seq);
        d.Version++;
    }

    public Task DeleteAsync(long seq) => db.ExecuteAsync(sql.Delete, new { seq });

    public Task<long> TakeRidAsync(long seq) => db.ScalarAsync<long>(sql.TakeRid, new { seq });

    public Task<DirectoryUserRecord?> GetUserAsync(long directorySeq, string userName) =>
        db.FirstAsync<DirectoryUserRecord>(sql.GetUser, new { seq = directorySeq, user = userName });

    public Task<List<DirectoryUserRecord>> ListUsersAsync(long directorySeq, long afterRid, int limit) =>
        db.QueryAsync<DirectoryUserRecord>(
            sql.ListUsers,
            new
            {
                seq = directorySeq,
                after = afterRid,
                limit,
            }
        );

    public async Task<bool> InsertUserAsync(DirectoryUserRecord user) =>
        await db.ExecuteAsync(sql.InsertUser, user) > 0;

    public async Task UpdateUserAsync(DirectoryUserRecord user)
    {
        StaleRowException.ThrowIfNone(await db.ExecuteAsync(sql.UpdateUser, user), "ds_users", user.Rid);
        user.Version++;
    }

    public async Task<bool> DeleteUserAsync(long directorySeq, string userName) =>
        await db.ExecuteAsync(sql.DeleteUser, new { seq = directorySeq, user = userName }) > 0;
}
