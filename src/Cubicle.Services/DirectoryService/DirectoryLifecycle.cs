using Cubicle.Desktops;
using Cubicle.Domain;
using Cubicle.Identity;
using Cubicle.Jobs;
using Cubicle.Storage;
using Microsoft.Extensions.Logging;

namespace Cubicle.Services.DirectoryService;

/// <summary>
/// The lifecycle of Directory Service directories, as jobs: Requested, Creating, then Active (an AD Connector only
/// once its LDAP servers accept the service account; Failed if they never do); Deleting, then gone; data access
/// Enabling, then Enabled. An AD Connector's servers are then checked on a timer: Impaired while they do not
/// answer, Active again when they do.
/// </summary>
public sealed class DirectoryLifecycle(
    IDatabase db,
    LdapConnector ldap,
    LdapOptions ldapOptions,
    IDesktopProvider provider,
    TimeProvider time,
    ILogger<DirectoryLifecycle> log
) : IJobHandler
{
    /// <summary>
    /// Directory Service keeps its own tags: they are stored apart from WorkSpaces' tags of the same id.
    /// </summary>
    public const string TagScope = "ds/";
    private const int ActivateAttempts = 3;

    public string Subject => JobSubjects.Directory;
    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();
    private long DelayMs => (long)provider.TransitionDelay.TotalMilliseconds;

    public Task QueueAsync(IUnitOfWork u, DsDirectoryRecord d, string kind) =>
        u.Jobs.ScheduleAsync(JobSubjects.Directory, d.Seq, kind, Now + DelayMs);

    /// <summary>
    /// Moves the directory to a stage and queues the work that ends it; what was queued before is dropped.
    /// </summary>
    public async Task BeginAsync(IUnitOfWork u, DsDirectoryRecord d, string stage, string kind)
    {
        await u.Jobs.CancelAsync(JobSubjects.Directory, d.Seq);
        SetStage(d, stage, null);
        await u.DsDirectories.UpdateAsync(d);
        await QueueAsync(u, d, kind);
    }

    private void SetStage(DsDirectoryRecord d, string stage, string? reason)
    {
        if (d.Stage != stage)
            d.StageChangedAt = Now;
        d.Stage = stage;
        // An AD Connector in good health still shows (where DescribeDirectories can) that its binds go in clear.
        d.StageReason = reason ?? (d.Type == DirectoryUsers.AdConnector ? LdapTargets.NoteFor(ldapOptions) : null);
    }

    /// <summary>The LDAP checks of an AD Connector (the only work done outside the transaction).</summary>
    public async Task RunAsync(JobRecord job, CancellationToken ct)
    {
        if (job.Kind is not (DirectoryJobs.Activate or DirectoryJobs.Health))
            return;
        var d = await db.ReadAsync(u => u.DsDirectories.GetBySeqAsync(job.SubjectSeq), ct);
        if (d?.Type == DirectoryUsers.AdConnector)
            await ldap.CheckAsync(d, ct);
    }

    /// <summary>An AD Connector's first check is tried three times (its servers may come up late); nothing else is
    /// retried.</summary>
    public int MaxAttempts(string kind) => kind == DirectoryJobs.Activate ? ActivateAttempts : 1;

    public Task LockSubjectAsync(IUnitOfWork u, JobRecord job) => u.DsDirectories.GetBySeqAsync(job.SubjectSeq);

    public async Task CompleteAsync(IUnitOfWork u, JobRecord job, Exception? failure)
    {
        var d = await u.DsDirectories.GetBySeqAsync(job.SubjectSeq);
        if (d is null)
            return;
        switch (job.Kind)
        {
            case DirectoryJobs.Create:
                SetStage(d, DirectoryStages.Creating, null);
                await u.DsDirectories.UpdateAsync(d);
                await QueueAsync(u, d, DirectoryJobs.Activate);
                break;
            case DirectoryJobs.Activate:
                SetStage(d, failure is null ? DirectoryStages.Active : DirectoryStages.Failed, failure?.Message);
                await u.DsDirectories.UpdateAsync(d);
                if (failure is null && d.Type == DirectoryUsers.AdConnector)
                    await ScheduleHealthAsync(u, d);
                break;
            case DirectoryJobs.Health:
                if (d.Stage is DirectoryStages.Active or DirectoryStages.Impaired)
                {
                    var stage = failure is null ? DirectoryStages.Active : DirectoryStages.Impaired;
                    if (stage != d.Stage)
                        log.LogWarning(
                            "Directory {Directory} is {Stage}{Reason}",
                            d.DirectoryId,
                            stage,
                            failure is null ? "" : ": " + failure.Message
                        );
                    SetStage(d, stage, failure?.Message);
                    await u.DsDirectories.UpdateAsync(d);
                    await ScheduleHealthAsync(u, d);
                }
                break;
            case DirectoryJobs.Delete:
                await u.Jobs.CancelAsync(JobSubjects.Directory, d.Seq);
                await u.Tags.DeleteAsync(d.AccountId, d.Region, TagScope + d.DirectoryId, null);
                await u.DsDirectories.DeleteAsync(d.Seq);
                break;
            case DirectoryJobs.EnableDataAccess or DirectoryJobs.DisableDataAccess:
                d.DataAccess =
                    job.Kind == DirectoryJobs.EnableDataAccess ? DataAccessStates.Enabled : DataAccessStates.Disabled;
                await u.DsDirectories.UpdateAsync(d);
                break;
        }
    }

    private Task ScheduleHealthAsync(IUnitOfWork u, DsDirectoryRecord d) =>
        u.Jobs.ScheduleAsync(
            JobSubjects.Directory,
            d.Seq,
            DirectoryJobs.Health,
            Now + (long)ldapOptions.HealthInterval.TotalMilliseconds
        );
}
