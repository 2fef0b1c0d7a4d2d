using Cubicle.Cluster;
using Cubicle.Desktops;
using Cubicle.Domain;
using Cubicle.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cubicle.Services.WorkSpaces;

/// <summary>
/// Watches the local desktops. A desktop is declared dead when its sandbox is gone, or when it has missed
/// <see cref="FailuresBeforeDead"/> health probes in a row (never on one slow answer: a loaded host delays
/// them); its workspace then becomes UNHEALTHY and is restarted (a reboot transition; one that cannot be
/// restarted ends in ERROR with the reason). A desktop that cannot write (the host's disk is full, or its volume
/// failed) is IMPAIRED, with the reason. On start it adopts the sessions and mounted volumes still there
/// from before and ends those no running workspace owns. (Snapshots are lifecycle jobs: see WorkspaceLifecycle.)
/// </summary>
public sealed class DesktopMonitor(
    IDatabase db,
    LocalDesktopProvider desktops,
    WorkspaceLifecycle lifecycle,
    NodeIdentity node,
    TimeProvider time,
    ILogger<DesktopMonitor> log
) : BackgroundService
{
    public const int FailuresBeforeDead = 3;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    /// <summary>Probes of all desktops run at once, so one round waits at most this long.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    private readonly Dictionary<string, int> _failures = new();

    private enum Health
    {
        Answers,
        Silent,
        Gone,
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        await EndOrphansAsync(ct);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await CheckAsync(ct);
                await Task.Delay(Interval, time, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                log.LogError(ex, "Desktop monitor failed; retrying");
                await Task.Delay(Interval, time, ct).ContinueWith(_ => { });
            }
        }
    }

    /// <summary>AVAILABLE workspaces of this host whose desktop is dead become UNHEALTHY and get a reboot. (Other
    /// nodes' desktops run on their hosts: seen from here they would all look dead.)</summary>
    private async Task CheckAsync(CancellationToken ct)
    {
        var available = (await AllInStateAsync(WorkspaceState.Available)).Where(w => w.HostId == node.Name).ToList();
        var checks = await Task.WhenAll(
            available.Select(async ws => (ws, health: await HealthOfAsync(ws.WorkspaceId, ct)))
        );
        foreach (var gone in _failures.Keys.Except(available.Select(w => w.WorkspaceId)).ToList())
            _failures.Remove(gone);

        await CheckVolumesAsync([.. checks.Where(c => c.health == Health.Answers).Select(c => c.ws)], ct);
        foreach (var (ws, health) in checks)
        {
            if (health == Health.Answers)
            {
                _failures.Remove(ws.WorkspaceId);
                continue;
            }
            var missed = _failures[ws.WorkspaceId] = _failures.GetValueOrDefault(ws.WorkspaceId) + 1;
            if (health == Health.Silent && missed < FailuresBeforeDead)
            {
                log.LogInformation(
                    "The desktop of {Workspace} missed a health probe ({Missed} in a row)",
                    ws.WorkspaceId,
                    missed
                );
                continue;
            }
            log.LogWarning(
                "The desktop of {Workspace} is {Why}: UNHEALTHY, restarting it",
                ws.WorkspaceId,
                health == Health.Gone ? "not running" : $"silent for {missed} probes"
            );
            _failures.Remove(ws.WorkspaceId);
            await db.WriteAsync(
                Journal.Service,
                async u =>
                {
                    // Only if nothing happened to it meanwhile (say, a reboot that brought it back).
                    var current = await u.Workspaces.GetBySeqAsync(ws.Seq);
                    if (current?.State == WorkspaceState.Available && current.StateChangedAt == ws.StateChangedAt)
                        await lifecycle.BeginAsync(
                            u,
                            current,
                            WorkspaceState.Unhealthy,
                            TransitionKind.Reboot,
                            lifecycle.Now
                        );
                    return 0;
                }
            );
        }
    }

    /// <summary>
    /// Desktops that cannot write are IMPAIRED, with why: while the host's disk is full (less than
    /// <see cref="FullBelowBytes"/> free), every write that needs new space in a thin volume fails; a volume whose
    /// file system met such a failure has turned read-only for good. The desktops run on; a stop and a start,
    /// once the host has room, bring them back.
    /// </summary>
    private async Task CheckVolumesAsync(List<WorkspaceRecord> answering, CancellationToken ct)
    {
        if (answering.Count == 0)
            return;
        var free = await desktops.FreeDiskBytesAsync(ct);
        foreach (var ws in answering)
        {
            var failed = await desktops.VolumeFailedAsync(ws.WorkspaceId, ct);
            if (failed || free < FullBelowBytes)
                await ImpairAsync(ws, failed, free);
        }
    }

    /// <summary>Below this much free space a host's disk is full: a volume's next block cannot be had.</summary>
    public const long FullBelowBytes = 64L << 20;

    private async Task ImpairAsync(WorkspaceRecord ws, bool failed, long free)
    {
        var full = free < FullBelowBytes;
        var disk =
            $"the disk of host {node.Name} {(full ? "is full" : "has")} ({free / (double)HostShare.GiB:0.#} GiB free)";
        var what = failed
            ? "The user volume stopped taking writes (its file system met an I/O error and is read-only)"
            : "Writes that need new space in the user volume fail";
        var message = $"{what}: {disk}. Free space on the host, then stop and start the WorkSpace.";
        log.LogWarning("The desktop of {Workspace} is impaired: {Reason}", ws.WorkspaceId, message);
        await db.WriteAsync(
            Journal.Service,
            async u =>
            {
                var current = await u.Workspaces.GetBySeqAsync(ws.Seq);
                if (current?.State != WorkspaceState.Available || current.StateChangedAt != ws.StateChangedAt)
                    return 0;
                current.State = WorkspaceState.Impaired;
                current.StateChangedAt = lifecycle.Now;
                current.ErrorCode = full ? "HostDiskFull" : "UserVolumeFailed";
                current.ErrorMessage = message;
                await u.Workspaces.SaveAsync(current);
                return 0;
            }
        );
    }

    private async Task<Health> HealthOfAsync(string workspaceId, CancellationToken ct)
    {
        if (!desktops.IsRunning(workspaceId))
            return Health.Gone;
        if (await desktops.ProbeAsync(workspaceId, ProbeTimeout, ct))
            return Health.Answers;
        return desktops.IsRunning(workspaceId) ? Health.Silent : Health.Gone;
    }

    /// <summary>Sessions and mounted volumes left for workspaces that are not running (stopped, in error,
    /// terminated, unknown) are ended and unmounted; their data stays.</summary>
    private async Task EndOrphansAsync(CancellationToken ct)
    {
        await desktops.EndLegacySessionsAsync();
        foreach (var id in desktops.Paths.KnownWorkspaces().ToList())
        {
            var ws = await db.ReadAsync(u => u.Workspaces.GetByIdAsync(id), ct);
            var orphan =
                ws is null || ws.State is WorkspaceState.Stopped or WorkspaceState.Terminated or WorkspaceState.Error;
            if (!orphan || (!desktops.IsRunning(id) && !await desktops.IsMountedAsync(id, ct)))
                continue;
            log.LogInformation("Ending the orphan desktop of {Workspace}", id);
            await desktops.StopAsync(ws ?? new WorkspaceRecord { WorkspaceId = id }, ct);
        }
    }

    private async Task<List<WorkspaceRecord>> AllInStateAsync(string state)
    {
        var all = new List<WorkspaceRecord>();
        var after = 0L;
        while (true)
        {
            var from = after;
            var page = await db.ReadAsync(u => u.Workspaces.InStateAsync(state, from, 500));
            all.AddRange(page);
            if (page.Count < 500)
                return all;
            after = page[^1].Seq;
        }
    }
}
