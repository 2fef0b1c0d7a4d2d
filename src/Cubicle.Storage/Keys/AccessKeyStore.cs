namespace Cubicle.Storage;

/// <summary>The access key statements run on a session; the same code for every engine.</summary>
public sealed class AccessKeyStore(DbSession db, AccessKeySql sql) : IAccessKeyStore
{
    public Task<AccessKeyRecord?> GetAsync(string accessKeyId) =>
        db.FirstAsync<AccessKeyRecord>(sql.Get, new { accessKeyId });

    public Task<List<AccessKeyRecord>> ListAsync(string? accountId) =>
        db.QueryAsync<AccessKeyRecord>(sql.List, new { accountId });

    public Task InsertAsync(AccessKeyRecord key) => db.ExecuteAsync(sql.Insert, key);

    public async Task<bool> DeleteAsync(string accessKeyId) =>
        await db.ExecuteAsync(sql.Delete, new { accessKeyId }) > 0;

    public Task<List<string>> KeyRingAsync() => db.QueryAsync<string>(sql.KeyRing);

    public Task AddToKeyRingAsync(string name, string xml, long createdAt) =>
        db.ExecuteAsync(
            sql.AddToKeyRing,
            new
            {
                name,
                xml,
                createdAt,
            }
        );
}
