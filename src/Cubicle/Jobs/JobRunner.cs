using Cubicle.Storage;

namespace Cubicle.Jobs;

/// <summary>Hands each job to the handler of its subject.</summary>
public sealed class JobRunner(IDatabase db, IEnumerable<IJobHandler> handlers, TimeProvider time)
{
    private readonly Dictionary<string, IJobHandler> _handlers = handlers.ToDictionary(h => h.Subject);

    public Task RunAsync(JobRecord job, CancellationToken ct) =>
        _handlers.TryGetValue(job.Subject, out var h) ? h.RunAsync(job, ct) : Task.CompletedTask;

    public Task CompleteAsync(JobRecord job, string owner, Exception? failure) =>
        _handlers.TryGetValue(job.Subject, out var h)
            ? h.CompleteAsync(job, owner, failure)
            : db.WriteAsync(
                Journal.Service,
                async u =>
                {
                    await u.Jobs.DeleteAsync(job.Id);
                    return 0;
                }
            );

    /// <summary>Claims the due jobs, runs them one after the other and commits their outcomes; returns how many
    /// ran. The worker does the same with concurrency and leases; tests call this on a fake clock.</summary>
    public async Task<int> RunDueAsync(string owner, string hostId, CancellationToken ct = default)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var claimed = await db.WriteAsync(
            Journal.Service,
            u => u.Jobs.ClaimAsync(now, owner, now + (long)TimeSpan.FromMinutes(10).TotalMilliseconds, hostId, 128),
            ct
        );
        foreach (var job in claimed)
        {
            Exception? failure = null;
            try
            {
                await RunAsync(job, ct);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                failure = ex;
            }
            await CompleteAsync(job, owner, failure);
        }
        return claimed.Count;
    }
}
