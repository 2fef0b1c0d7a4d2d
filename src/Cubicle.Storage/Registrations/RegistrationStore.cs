namespace Cubicle.Storage;

/// <summary>The directory statements run on a session; the same code for every engine.</summary>
public sealed class RegistrationStore(DbSession db, RegistrationSql sql) : IRegistrationStore
{
    public Task<RegistrationRecord?> GetAsync(string accountId, string region, string directoryId) =>
        db.FirstAsync<RegistrationRecord>(
            sql.Get,
            new
            {
                accountId,
                region,
                directoryId,
            }
        );

    public Task<RegistrationRecord?> GetBySeqAsync(long seq) =>
        db.FirstAsync<RegistrationRecord>(sql.GetBySeq, new { seq });

    public Task<List<RegistrationRecord>> ListAsync(
        string accountId,
        string region,
        IReadOnlyList<string>? ids,
        IReadOnlyList<string>? names,
        long afterSeq,
        int limit
    )
    {
        var statement = (ids, names) switch
        {
            (null, null) => sql.List,
            (not null, null) => sql.ListByIds,
            (null, not null) => sql.ListByNames,
            _ => sql.ListByIdsAndNames,
        };
        return db.QueryAsync<RegistrationRecord>(
            statement,
            new
            {
                accountId,
                region,
                afterSeq,
                limit,
                ids = ids?.ToArray(),
                names = names?.ToArray(),
            }
        );
    }

    public Task<List<RegistrationRecord>> FindByRegistrationCodeAsync(string registrationCode) =>
        db.QueryAsync<RegistrationRecord>(sql.FindByRegistrationCode, new { code = registrationCode });

    public async Task<long> SaveAsync(RegistrationRecord d)
    {
        if (d.Seq == 0)
            return d.Seq = await db.ScalarAsync<long>(sql.Insert, d);
        StaleRowException.ThrowIfNone(await db.ExecuteAsync(sql.Update, d), "directories", d.Seq);
        d.Version++;
        return d.Seq;
    }

    public Task DeleteAsync(long seq) => db.ExecuteAsync(sql.Delete, new { seq });

    public Task<SubnetRecord?> GetSubnetAsync(string accountId, string subnetId) =>
        db.FirstAsync<SubnetRecord>(sql.GetSubnet, new { accountId, subnetId });

    public Task UpsertSubnetAsync(SubnetRecord subnet, bool keepCursor) =>
        db.ExecuteAsync(keepCursor ? sql.UpsertSubnetKeepCursor : sql.UpsertSubnet, subnet);
}
