namespace Cubicle.Storage;

/// <summary>The job statements run on a session; the same code for every engine.</summary>
public sealed class JobStore(DbSession db, JobSql sql, IUnitOfWork unit) : IJobStore
{
    public async Task<long> ScheduleAsync(
        string subject,
        long subjectSeq,
        string kind,
        long dueAt,
        string? hostId = null
    )
    {
        var id = await db.ScalarAsync<long>(
            sql.Schedule,
            new
            {
                subject,
                subjectSeq,
                kind,
                dueAt,
                hostId,
                createdAt = dueAt,
            }
        );
        unit.Notify(Channels.Jobs);
        return id;
    }

    public Task CancelAsync(string subject, long subjectSeq, string[]? kinds = null) =>
        kinds is null
            ? db.ExecuteAsync(sql.CancelAll, new { subject, subjectSeq })
            : db.ExecuteAsync(
                sql.CancelKinds,
                new
                {
                    subject,
                    subjectSeq,
                    kinds,
                }
            );

    public Task<List<JobRecord>> ClaimAsync(long now, string owner, long leaseUntil, string hostId, int max) =>
        db.QueryAsync<JobRecord>(
            sql.Claim,
            new
            {
                now,
                owner,
                leaseUntil,
                hostId,
                max,
            }
        );

    public async Task<bool> RenewAsync(long id, string owner, int attempts, long leaseUntil) =>
        await db.ExecuteAsync(
            sql.Renew,
            new
            {
                id,
                owner,
                attempts,
                leaseUntil,
            }
        ) > 0;

    public Task<JobRecord?> GetAsync(long id) => db.FirstAsync<JobRecord>(sql.Get, new { id });

    public Task DeleteAsync(long id) => db.ExecuteAsync(sql.Delete, new { id });

    public Task RetryAsync(long id, long dueAt, string error) =>
        db.ExecuteAsync(
            sql.Retry,
            new
            {
                id,
                dueAt,
                error,
            }
        );

    public Task<long?> NextDueAsync(string hostId) => db.ScalarAsync<long?>(sql.NextDue, new { hostId });

    public Task<List<(string Kind, long Count)>> CountByKindAsync() => db.QueryAsync<(string, long)>(sql.CountByKind);

    public Task<int> ReleaseNodeAsync(string node) => db.ExecuteAsync(sql.ReleaseNode, new { prefix = node + ":" });
}
