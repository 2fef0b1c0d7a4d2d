using Cubicle.Domain;
using Cubicle.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cubicle.Jobs;

/// <summary>Hands each job to the handler of its subject, and owns what every job shares: the check that the job is
/// still the caller's (not superseded, not claimed again by another node) and the retries with back-off.</summary>
public sealed class JobRunner(
    IDatabase db,
    IEnumerable<IJobHandler> handlers,
    TimeProvider time,
    ILogger<JobRunner>? log = null
)
{
    private readonly Dictionary<string, IJobHandler> _handlers = handlers.ToDictionary(h => h.Subject);
    private readonly ILogger _log = log ?? NullLogger<JobRunner>.Instance;

    public Task RunAsync(JobRecord job, CancellationToken ct) =>
        _handlers.TryGetValue(job.Subject, out var h) ? h.RunAsync(job, ct) : Task.CompletedTask;

    /// <summary>Whether a failure of this attempt is tried again.</summary>
    public bool WillRetry(JobRecord job, Exception failure) =>
        failure is not PermanentFailureException
        && _handlers.TryGetValue(job.Subject, out var h)
        && job.Attempts < h.MaxAttempts(job.Kind);

    /// <summary>Commits the outcome of a job <paramref name="owner"/> ran: nothing when the job was superseded or
    /// claimed again meanwhile; a failure with attempts left (and that retrying can fix) is due again after
    /// 2^attempts seconds.</summary>
    public Task CompleteAsync(JobRecord job, string owner, Exception? failure) =>
        db.WriteAsync(
            Journal.Service,
            async u =>
            {
                if (!_handlers.TryGetValue(job.Subject, out var h))
                {
                    await u.Jobs.DeleteAsync(job.Id);
                    return 0;
                }
                await h.LockSubjectAsync(u, job);
                var current = await u.Jobs.GetAsync(job.Id);
                if (current is null || current.Attempts != job.Attempts || current.LeaseOwner != owner)
                    return 0;
                if (failure is not null && WillRetry(job, failure))
                {
                    _log.LogWarning(
                        failure,
                        "Job {Kind} of {Subject} {Seq} failed (attempt {Attempt} of {Max}); it runs again",
                        job.Kind,
                        job.Subject,
                        job.SubjectSeq,
                        job.Attempts,
                        h.MaxAttempts(job.Kind)
                    );
                    var due = time.GetUtcNow().ToUnixTimeMilliseconds() + (1000L << job.Attempts);
                    await u.Jobs.RetryAsync(job.Id, due, failure.Message);
                    return 0;
                }
                await u.Jobs.DeleteAsync(job.Id);
                await h.CompleteAsync(u, job, failure);
                return 0;
            }
        );
}
