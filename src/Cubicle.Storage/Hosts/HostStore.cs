namespace Cubicle.Storage;

/// <summary>The host statements run on a session; the same code for every engine.</summary>
public sealed class HostStore(DbSession db, HostSql sql) : IHostStore
{
    public Task UpsertAsync(HostRecord host) => db.ExecuteAsync(sql.Upsert, host);

    public Task<HostRecord?> GetAsync(string name) => db.FirstAsync<HostRecord>(sql.Get, new { name });

    public Task<HostRecord?> LockAsync(string name) => db.FirstAsync<HostRecord>(sql.Lock, new { name });

    public Task<List<HostLoadRow>> LoadAsync(string hostId, string[] runningStates) =>
        db.QueryAsync<HostLoadRow>(sql.Load, new { hostId, states = runningStates });

    public Task<List<HostRecord>> ListAsync() => db.QueryAsync<HostRecord>(sql.List);
}
