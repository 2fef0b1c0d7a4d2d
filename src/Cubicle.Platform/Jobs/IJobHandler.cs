using Cubicle.Storage;

namespace Cubicle.Jobs;

/// <summary>Does the jobs of one kind of resource (<see cref="JobSubjects"/>): the work, outside any transaction, and
/// then the outcome, inside the transaction <see cref="JobRunner"/> opens once it knows the job is still the
/// caller's. Retries are the runner's: a handler sees a failure only once it is final.</summary>
public interface IJobHandler
{
    string Subject { get; }

    /// <summary>How many times a job of this kind runs before its failure is final (1: never retried).</summary>
    int MaxAttempts(string kind);

    Task RunAsync(JobRecord job, CancellationToken ct);

    /// <summary>Locks the job's resource: first, as every change locks a resource before its jobs, so that a change
    /// made meanwhile (a terminate) has committed, and deleted the job, by the time the runner reads it.</summary>
    Task LockSubjectAsync(IUnitOfWork u, JobRecord job);

    /// <summary>Commits the outcome; the job row is already deleted. <paramref name="failure"/> is final.</summary>
    Task CompleteAsync(IUnitOfWork u, JobRecord job, Exception? failure);
}
