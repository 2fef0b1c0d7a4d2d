using Cubicle.Storage;

namespace Cubicle.Jobs;

/// <summary>Does the jobs of one kind of resource (<see cref="JobSubjects"/>): the work, outside any transaction, and
/// then the outcome, in a transaction that first checks the job is still the caller's.</summary>
public interface IJobHandler
{
    string Subject { get; }
    Task RunAsync(JobRecord job, CancellationToken ct);
    Task CompleteAsync(JobRecord job, string owner, Exception? failure);
}
