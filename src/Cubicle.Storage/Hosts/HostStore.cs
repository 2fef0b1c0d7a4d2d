namespace Cubicle.Storage;

/// <summary>The host statements run on a session; the same code for every engine.</summary>
public sealed class HostStore(DbSession db, HostSql sql) : IHostStore
{
    public Task UpsertAsync(HostRecord host) => db.ExecuteAsync(sql.Upsert, host);

    public Task LockAsync(string name) => db.ExecuteAsync(sql.Lock, new { name });

    public Task<List<HostRecord>> ListAsync() => db.QueryAsync<HostRecord>(sql.List);
}
