using Cubicle.Desktops;
using Cubicle.Domain;
using Cubicle.Jobs;
using Cubicle.Storage;

namespace Cubicle.Services.WorkSpaces;

/// <summary>The lifecycle of a directory's registration with WorkSpaces, as jobs: REGISTERING, then REGISTERED;
/// DEREGISTERING, then gone (with its tags).</summary>
public sealed class RegistrationLifecycle(IDesktopProvider provider, TimeProvider time) : IJobHandler
{
    public string Subject => JobSubjects.Registration;

    public Task QueueAsync(IUnitOfWork u, RegistrationRecord row, string kind) =>
        u.Jobs.ScheduleAsync(
            JobSubjects.Registration,
            row.Seq,
            kind,
            time.GetUtcNow().ToUnixTimeMilliseconds() + (long)provider.TransitionDelay.TotalMilliseconds
        );

    public Task RunAsync(JobRecord job, CancellationToken ct) => Task.CompletedTask;

    public int MaxAttempts(string kind) => 1;

    public Task LockSubjectAsync(IUnitOfWork u, JobRecord job) => u.Registrations.GetBySeqAsync(job.SubjectSeq);

    public async Task CompleteAsync(IUnitOfWork u, JobRecord job, Exception? failure)
    {
        var row = await u.Registrations.GetBySeqAsync(job.SubjectSeq);
        if (row is null)
            return;
        var body = Registrations.Parse(row);
        switch (job.Kind)
        {
            case DirectoryJobs.Register when body.State == "REGISTERING":
                body.State = "REGISTERED";
                await Registrations.SaveAsync(u, row, body);
                break;
            case DirectoryJobs.Deregister when body.State == "DEREGISTERING":
                await u.Tags.DeleteAsync(row.AccountId, row.Region, row.DirectoryId, null);
                await u.Registrations.DeleteAsync(row.Seq);
                break;
        }
    }
}
