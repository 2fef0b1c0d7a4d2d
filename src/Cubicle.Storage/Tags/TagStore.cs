namespace Cubicle.Storage;

/// <summary>The tag statements run on a session; the same code for every engine.</summary>
public sealed class TagStore(DbSession db, TagSql sql) : ITagStore
{
    public Task<List<TagRecord>> GetAsync(string accountId, string region, string resourceId) =>
        db.QueryAsync<TagRecord>(
            sql.Get,
            new
            {
                accountId,
                region,
                resourceId,
            }
        );

    public async Task PutAsync(string accountId, string region, string resourceId, IEnumerable<TagRecord> tags)
    {
        foreach (var t in tags)
            await db.ExecuteAsync(
                sql.Put,
                new
                {
                    accountId,
                    region,
                    resourceId,
                    t.Key,
                    t.Value,
                }
            );
    }

    public async Task DeleteAsync(string accountId, string region, string resourceId, IEnumerable<string>? keys)
    {
        if (keys is null)
        {
            await db.ExecuteAsync(
                sql.DeleteAll,
                new
                {
                    accountId,
                    region,
                    resourceId,
                }
            );
            return;
        }
        foreach (var key in keys)
            await db.ExecuteAsync(
                sql.DeleteKey,
                new
                {
                    accountId,
                    region,
                    resourceId,
                    key,
                }
            );
    }
}
