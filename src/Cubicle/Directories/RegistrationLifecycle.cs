using Cubicle.Desktops;
using Cubicle.Jobs;
using Cubicle.Storage;

namespace Cubicle.Directories;

/// <summary>The lifecycle of a directory's registration with WorkSpaces, as jobs: REGISTERING, then REGISTERED;
/// DEREGISTERING, then gone (with its tags).</summary>
public sealed class RegistrationLifecycle(IDatabase db, IDesktopProvider provider, TimeProvider time) : IJobHandler
{
    public string Subject => JobSubjects.Registration;

    public Task QueueAsync(IUnitOfWork u, DirectoryRecord row, string kind) =>
        u.Jobs.ScheduleAsync(
            JobSubjects.Registration,
            row.Seq,
            kind,
            time.GetUtcNow().ToUnixTimeMilliseconds() + (long)provider.TransitionDelay.TotalMilliseconds
        );

    public Task RunAsync(JobRecord job, CancellationToken ct) => Task.CompletedTask;

    public Task CompleteAsync(JobRecord job, string owner, Exception? failure) =>
        db.WriteAsync(
            Journal.Service,
            async u =>
            {
                // The registration first, then its job, in the order every change locks them.
                var row = await u.Directories.GetBySeqAsync(job.SubjectSeq);
                var current = await u.Jobs.GetAsync(job.Id);
                if (current is null || current.Attempts != job.Attempts || current.LeaseOwner != owner)
                    return 0;
                await u.Jobs.DeleteAsync(job.Id);
                if (row is null)
                    return 0;
                var body = Registrations.Parse(row);
                switch (job.Kind)
                {
                    case DirectoryService.DirectoryJobs.Register when body.State == "REGISTERING":
                        body.State = "REGISTERED";
                        await Registrations.SaveAsync(u, row, body);
                        break;
                    case DirectoryService.DirectoryJobs.Deregister when body.State == "DEREGISTERING":
                        await u.Tags.DeleteAsync(row.AccountId, row.Region, row.DirectoryId, null);
                        await u.Directories.DeleteAsync(row.Seq);
                        break;
                }
                return 0;
            }
        );
}
