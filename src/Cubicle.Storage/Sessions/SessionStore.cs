namespace Cubicle.Storage;

/// <summary>The session statements run on a session; the same code for every engine.</summary>
public sealed class SessionStore(DbSession db, SessionSql sql, IUnitOfWork unit) : ISessionStore
{
    public Task InsertAsync(SessionRecord session) => db.ExecuteAsync(sql.Insert, session);

    public Task<SessionRecord?> GetAsync(string idHash) => db.FirstAsync<SessionRecord>(sql.Get, new { idHash });

    public async Task<bool> DeleteAsync(string idHash) => Ended(await db.ExecuteAsync(sql.Delete, new { idHash })) > 0;

    public async Task<int> DeleteBySubjectAsync(string kind, string subject) =>
        Ended(await db.ExecuteAsync(sql.DeleteBySubject, new { kind, subject }));

    public async Task<int> DeleteByUserAsync(string accountId, string region, string directoryId, string userName) =>
        Ended(
            await db.ExecuteAsync(
                sql.DeleteByUser,
                new
                {
                    accountId,
                    region,
                    directoryId,
                    userName,
                }
            )
        );

    public async Task<int> DeleteExpiredAsync(long now) => Ended(await db.ExecuteAsync(sql.DeleteExpired, new { now }));

    /// <summary>Sessions that end are announced: the nodes holding their open desktops close them.</summary>
    private int Ended(int count)
    {
        if (count > 0)
            unit.Notify(Channels.Sessions);
        return count;
    }

    public Task<SignInFailures?> GetFailuresAsync(string key) =>
        db.FirstAsync<SignInFailures>(sql.GetFailures, new { key });

    public async Task<int> AddFailureAsync(string key, long now, Func<int, long> lockedUntil)
    {
        var failures = (int)await db.ScalarAsync<long>(sql.AddFailure, new { key, now });
        await db.ExecuteAsync(sql.SetLockedUntil, new { key, lockedUntil = lockedUntil(failures) });
        return failures;
    }

    public Task PutFailuresAsync(string key, SignInFailures row) =>
        db.ExecuteAsync(
            sql.PutFailures,
            new
            {
                key,
                row.Failures,
                row.LockedUntil,
                row.UpdatedAt,
            }
        );

    public Task ClearFailuresAsync(string key) => db.ExecuteAsync(sql.ClearFailures, new { key });

    public Task<int> PruneFailuresAsync(long now) => db.ExecuteAsync(sql.PruneFailures, new { now });
}
