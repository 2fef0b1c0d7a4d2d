namespace Cubicle.Storage;

/// <summary>The directory statements run on a session; the same code for every engine.</summary>
public sealed class DirectoryStore(DbSession db, DirectorySql sql) : IDirectoryStore
{
    public Task<DirectoryRecord?> GetAsync(string accountId, string region, string directoryId) =>
        db.FirstAsync<DirectoryRecord>(sql.Get, new { accountId, region, directoryId });

    public Task<List<DirectoryRecord>> ListAsync(string accountId, string region, IReadOnlyList<string>? ids,
        IReadOnlyList<string>? names, long afterSeq, int limit)
    {
        var statement = (ids, names) switch
        {
            (null, null) => sql.List,
            (not null, null) => sql.ListByIds,
            (null, not null) => sql.ListByNames,
            _ => sql.ListByIdsAndNames,
        };
        return db.QueryAsync<DirectoryRecord>(statement,
            new { accountId, region, afterSeq, limit, ids = ids?.ToArray(), names = names?.ToArray() });
    }

    public Task<List<DirectoryRecord>> FindByRegistrationCodeAsync(string registrationCode) =>
        db.QueryAsync<DirectoryRecord>(sql.FindByRegistrationCode, new { code = registrationCode });

    public async Task<long> UpsertAsync(DirectoryRecord d) => d.Seq = await db.ScalarAsync<long>(sql.Upsert, d);

    public async Task SetUsersAsync(long directorySeq, IReadOnlyCollection<string> users)
    {
        var keep = users.ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var gone in (await db.QueryAsync<string>(sql.Users, new { seq = directorySeq })).Where(u => !keep.Contains(u)))
            await db.ExecuteAsync(sql.RemoveUser, new { seq = directorySeq, user = gone });
        foreach (var user in keep) await db.ExecuteAsync(sql.AddUser, new { seq = directorySeq, user });
    }

    public async Task<bool> HasUserAsync(long directorySeq, string userName)
    {
        var cmd = db.Command(sql.HasUser, "@d", "@u");
        cmd.Parameters["@d"].Value = directorySeq;
        cmd.Parameters["@u"].Value = userName;
        return Convert.ToInt64(await cmd.ExecuteScalarAsync().ConfigureAwait(false)) != 0;
    }

    public Task<string?> GetPasswordHashAsync(long directorySeq, string userName) =>
        db.ScalarAsync<string?>(sql.GetPasswordHash, new { seq = directorySeq, user = userName });

    public async Task<bool> SetPasswordHashAsync(long directorySeq, string userName, string hash) =>
        await db.ExecuteAsync(sql.SetPasswordHash, new { seq = directorySeq, user = userName, hash }) > 0;

    public Task<SubnetRecord?> GetSubnetAsync(string accountId, string subnetId) =>
        db.FirstAsync<SubnetRecord>(sql.GetSubnet, new { accountId, subnetId });

    public Task UpsertSubnetAsync(SubnetRecord subnet, bool keepCursor) =>
        db.ExecuteAsync(keepCursor ? sql.UpsertSubnetKeepCursor : sql.UpsertSubnet, subnet);
}
