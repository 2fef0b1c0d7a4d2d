using Cubicle.Desktops;
using Cubicle.Domain;
using Cubicle.Jobs;
using Cubicle.Storage;
using Microsoft.Extensions.Logging;

namespace Cubicle.Services.WorkSpaces;

/// <summary>
/// The workspace state machine. A transition is a job row (what, when due, attempts) written in the same
/// transaction as the state change that starts it; a worker on some node claims the job, has the desktop provider
/// do the work (<see cref="RunAsync"/>), and commits the resulting state (<see cref="CompleteAsync"/>). A crash at
/// any point leaves the row, so the transition is run again once its lease has lapsed or its node restarted.
/// </summary>
public sealed class WorkspaceLifecycle(
    IDatabase db,
    IDesktopProvider provider,
    TimeProvider time,
    CubicleOptions options,
    ILogger<WorkspaceLifecycle> log
) : IJobHandler
{
    public string Subject => JobSubjects.Workspace;

    public long Now => time.GetUtcNow().ToUnixTimeMilliseconds();
    private long DelayMs => (long)provider.TransitionDelay.TotalMilliseconds;
    private long AutoStopMinuteMs => (long)(options.AutoStopMinuteSeconds * 1000);
    private long SnapshotEveryMs => (long)(options.SnapshotHours * 3600_000);

    /// <summary>Queues the workspace's snapshot (replacing the one queued) on its host; returns the job's id.</summary>
    public async Task<long> ScheduleSnapshotAsync(IUnitOfWork u, WorkspaceRecord ws, long due)
    {
        await u.Jobs.CancelAsync(JobSubjects.Workspace, ws.Seq, [TransitionKind.Snapshot]);
        return await u.Jobs.ScheduleAsync(JobSubjects.Workspace, ws.Seq, TransitionKind.Snapshot, due, ws.HostId);
    }

    /// <summary>Moves the workspace into a transitional state and queues the work that ends it.
    /// Whatever was queued before for it is superseded.</summary>
    public async Task BeginAsync(IUnitOfWork u, WorkspaceRecord ws, string state, string kind, long now)
    {
        // The snapshot timer outlives transitions; a termination ends it too.
        await u.Jobs.CancelAsync(
            JobSubjects.Workspace,
            ws.Seq,
            kind == TransitionKind.Terminate ? null : TransitionKind.Superseded
        );
        ws.State = state;
        ws.StateChangedAt = now;
        ws.ErrorCode = null;
        ws.ErrorMessage = null;
        await u.Workspaces.SaveAsync(ws);
        await u.Jobs.ScheduleAsync(JobSubjects.Workspace, ws.Seq, kind, now + DelayMs, ws.HostId);
        // Whoever is signed in to a desktop that stops, is rebuilt or goes away must sign in again.
        if (kind is TransitionKind.Stop or TransitionKind.Rebuild or TransitionKind.Restore or TransitionKind.Terminate)
            await u.Sessions.DeleteBySubjectAsync(SessionKinds.Desktop, ws.WorkspaceId);
    }

    /// <summary>Queues the first transition of a workspace just inserted in its transitional state.</summary>
    public Task QueueAsync(IUnitOfWork u, WorkspaceRecord ws, string kind, long now) =>
        u.Jobs.ScheduleAsync(JobSubjects.Workspace, ws.Seq, kind, now + DelayMs, ws.HostId);

    /// <summary>(Re)arms the AutoStop timer: an AUTO_STOP workspace that is AVAILABLE and whose user is
    /// away stops once its timeout has passed since the user left.</summary>
    public async Task ArmAutoStopAsync(IUnitOfWork u, WorkspaceRecord ws, long now)
    {
        await u.Jobs.CancelAsync(JobSubjects.Workspace, ws.Seq, [TransitionKind.AutoStop]);
        if (AutoStopDue(ws, now) is { } due)
            await u.Jobs.ScheduleAsync(JobSubjects.Workspace, ws.Seq, TransitionKind.AutoStop, due, ws.HostId);
    }

    private long? AutoStopDue(WorkspaceRecord ws, long now)
    {
        if (
            ws.RunningMode != RunningMode.AutoStop
            || ws.State != WorkspaceState.Available
            || ws.ConnectionState != ConnectionState.Disconnected
        )
            return null;
        var minutes = ws.AutoStopTimeout ?? 60;
        return (ws.DisconnectedAt ?? now) + minutes * AutoStopMinuteMs;
    }

    /// <summary>Has the provider do a claimed job's work, outside any transaction.</summary>
    public async Task RunAsync(JobRecord job, CancellationToken ct)
    {
        if (job.Subject != JobSubjects.Workspace)
            return;
        var ws = await db.ReadAsync(u => u.Workspaces.GetBySeqAsync(job.SubjectSeq), ct);
        if (ws is null)
            return;
        await (
            job.Kind switch
            {
                TransitionKind.Provision => provider.ProvisionAsync(ws, ct),
                TransitionKind.Reboot => provider.RebootAsync(ws, ct),
                TransitionKind.Rebuild => provider.RebuildAsync(ws, ct),
                TransitionKind.Start => provider.StartAsync(ws, ct),
                TransitionKind.Stop => provider.StopAsync(ws, ct),
                TransitionKind.Terminate => provider.TerminateAsync(ws, ct),
                TransitionKind.Restore => provider.RestoreAsync(ws, ct),
                TransitionKind.Modify or TransitionKind.ModifyStopped => provider.ModifyAsync(ws, ct),
                TransitionKind.Snapshot
                    when ws.State is not (WorkspaceState.Terminating or WorkspaceState.Terminated) =>
                    provider.SnapshotAsync(ws, time.GetUtcNow(), ct),
                _ => Task.CompletedTask, // timers: decided when completed
            }
        );
    }

    /// <summary>Snapshots are not retried (a failed one is taken again at the next one's time); transitions are, up
    /// to five runs, then the workspace is in ERROR.</summary>
    public int MaxAttempts(string kind) => kind == TransitionKind.Snapshot ? 1 : TransitionAttempts;

    public const int TransitionAttempts = 5;

    public Task LockSubjectAsync(IUnitOfWork u, JobRecord job) => u.Workspaces.GetBySeqAsync(job.SubjectSeq);

    /// <summary>Commits the outcome of a job: nothing when its workspace is gone.</summary>
    public async Task CompleteAsync(IUnitOfWork u, JobRecord job, Exception? failure)
    {
        var now = Now;
        var ws = await u.Workspaces.GetBySeqAsync(job.SubjectSeq);
        if (ws is null)
            return;
        if (failure is not null && job.Kind == TransitionKind.Snapshot)
        {
            log.LogWarning(failure, "Snapshot of workspace {Workspace} failed", ws.WorkspaceId);
            await ScheduleSnapshotAsync(u, ws, now + SnapshotEveryMs);
            return;
        }
        if (failure is not null)
        {
            ws.State = WorkspaceState.Error;
            ws.StateChangedAt = now;
            ws.ErrorCode = "DesktopProviderFailure";
            ws.ErrorMessage =
                failure is PermanentFailureException
                    ? $"{job.Kind} failed: {failure.Message}"
                    : $"{job.Kind} failed after {job.Attempts} attempts: {failure.Message}";
            await u.Workspaces.SaveAsync(ws);
            return;
        }
        await CompleteTransitionAsync(u, job, ws, now);
    }

    /// <summary>Where a transition that ran to its end leaves the workspace.</summary>
    private Task CompleteTransitionAsync(IUnitOfWork u, JobRecord job, WorkspaceRecord ws, long now) =>
        job.Kind switch
        {
            TransitionKind.Snapshot => SnapshotTakenAsync(u, ws, now),
            // The desktop kept running (volumes grow and limits change in place): whoever is connected stays.
            TransitionKind.Modify => AvailableAsync(u, ws, now, freshBoot: false),
            TransitionKind.Provision => ProvisionedAsync(u, ws, now),
            TransitionKind.Reboot or TransitionKind.Rebuild or TransitionKind.Start or TransitionKind.Restore =>
                AvailableAsync(u, ws, now, freshBoot: true),
            TransitionKind.ModifyStopped => StoppedAsync(u, ws, now, disconnect: false),
            TransitionKind.Stop => StoppedAsync(u, ws, now, disconnect: true),
            TransitionKind.Terminate => TerminatedAsync(u, ws, now),
            TransitionKind.Purge => PurgeAsync(u, ws),
            TransitionKind.AutoStop => AutoStopAsync(u, ws, now),
            _ => Task.CompletedTask,
        };

    private async Task SnapshotTakenAsync(IUnitOfWork u, WorkspaceRecord ws, long now)
    {
        if (ws.State is WorkspaceState.Terminating or WorkspaceState.Terminated)
            return;
        await u.Workspaces.AddSnapshotAsync(ws.Seq, now);
        await ScheduleSnapshotAsync(u, ws, now + SnapshotEveryMs);
    }

    private async Task AvailableAsync(IUnitOfWork u, WorkspaceRecord ws, long now, bool freshBoot)
    {
        ws.State = WorkspaceState.Available;
        ws.StateChangedAt = now;
        if (freshBoot)
        {
            // A fresh boot has nobody connected; the AutoStop clock starts now.
            ws.ConnectionState = ConnectionState.Disconnected;
            ws.ConnectionCheckedAt = now;
            ws.DisconnectedAt = now;
        }
        await u.Workspaces.SaveAsync(ws);
        await ArmAutoStopAsync(u, ws, now);
    }

    private async Task ProvisionedAsync(IUnitOfWork u, WorkspaceRecord ws, long now)
    {
        await AvailableAsync(u, ws, now, freshBoot: true);
        // As WorkSpaces does: the first snapshot soon after the workspace is created, then on a schedule.
        await ScheduleSnapshotAsync(u, ws, now + DelayMs);
    }

    private static async Task StoppedAsync(IUnitOfWork u, WorkspaceRecord ws, long now, bool disconnect)
    {
        ws.State = WorkspaceState.Stopped;
        ws.StateChangedAt = now;
        if (disconnect)
        {
            ws.ConnectionState = ConnectionState.Disconnected;
            ws.ConnectionCheckedAt = now;
        }
        await u.Workspaces.SaveAsync(ws);
    }

    /// <summary>TERMINATED, its place in the account's quota given back, and its metadata purged after the
    /// retention.</summary>
    private async Task TerminatedAsync(IUnitOfWork u, WorkspaceRecord ws, long now)
    {
        ws.State = WorkspaceState.Terminated;
        ws.StateChangedAt = now;
        ws.TerminatedAt = now;
        ws.ConnectionState = ConnectionState.Disconnected;
        await u.Workspaces.SaveAsync(ws);
        await u.Workspaces.ChangeActiveCountAsync(ws.AccountId, -1);
        await u.Jobs.CancelAsync(JobSubjects.Workspace, ws.Seq);
        var purgeAt = now + (long)(options.TerminatedRetentionSeconds * 1000);
        await u.Jobs.ScheduleAsync(JobSubjects.Workspace, ws.Seq, TransitionKind.Purge, purgeAt);
    }

    private static async Task PurgeAsync(IUnitOfWork u, WorkspaceRecord ws)
    {
        if (ws.State != WorkspaceState.Terminated)
            return;
        await u.Jobs.CancelAsync(JobSubjects.Workspace, ws.Seq);
        await u.Tags.DeleteAsync(ws.AccountId, ws.Region, ws.WorkspaceId, null);
        await u.Workspaces.DeleteAsync(ws.Seq);
    }

    /// <summary>Stops an idle AutoStop workspace when its time has come, or looks again when it will.</summary>
    private async Task AutoStopAsync(IUnitOfWork u, WorkspaceRecord ws, long now)
    {
        if (AutoStopDue(ws, now) is not { } due)
            return;
        if (due <= now)
            await BeginAsync(u, ws, WorkspaceState.Stopping, TransitionKind.Stop, now);
        else
            await u.Jobs.ScheduleAsync(JobSubjects.Workspace, ws.Seq, TransitionKind.AutoStop, due, ws.HostId);
    }
}
