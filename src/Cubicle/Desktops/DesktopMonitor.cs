using Cubicle.Storage;
using Cubicle.Workspaces;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cubicle.Desktops;

/// <summary>
/// Watches the local desktops: a session that died by itself makes its workspace UNHEALTHY and is restarted
/// (a reboot transition; one that cannot be restarted ends in ERROR with the reason). On start it adopts the
/// sessions still running from before and ends sessions no running workspace owns. It also snapshots every
/// user volume on the configured schedule.
/// </summary>
public sealed class DesktopMonitor(IDatabase db, LocalDesktopProvider desktops, Lifecycle lifecycle,
    LocalDesktopOptions options, TimeProvider time, ILogger<DesktopMonitor> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        await EndOrphansAsync();
        var nextSnapshot = time.GetUtcNow().AddHours(options.SnapshotHours);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await CheckAsync();
                if (time.GetUtcNow() >= nextSnapshot)
                {
                    await SnapshotAllAsync(ct);
                    nextSnapshot = time.GetUtcNow().AddHours(options.SnapshotHours);
                }
                await Task.Delay(TimeSpan.FromSeconds(2), time, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { break; }
            catch (Exception ex)
            {
                log.LogError(ex, "Desktop monitor failed; retrying");
                await Task.Delay(TimeSpan.FromSeconds(2), time, ct).ContinueWith(_ => { });
            }
        }
    }

    /// <summary>AVAILABLE workspaces whose session is gone become UNHEALTHY and get a reboot.</summary>
    private async Task CheckAsync()
    {
        foreach (var ws in await AllInStateAsync(WorkspaceState.Available))
        {
            if (desktops.IsAlive(ws.WorkspaceId)) continue;
            log.LogWarning("The desktop of {Workspace} is not running: UNHEALTHY, restarting it", ws.WorkspaceId);
            await db.WriteAsync(Journal.Service, async u =>
            {
                var current = await u.Workspaces.GetBySeqAsync(ws.Seq);
                if (current?.State == WorkspaceState.Available && !desktops.IsAlive(ws.WorkspaceId))
                    await lifecycle.BeginAsync(u, current, WorkspaceState.Unhealthy, TransitionKind.Reboot, lifecycle.Now);
                return 0;
            });
        }
    }

    /// <summary>Sessions left running for workspaces that are no longer running (stopped, terminated, gone) are ended.</summary>
    private async Task EndOrphansAsync()
    {
        var run = Path.Combine(Path.GetFullPath(options.DataPath), "desktops", "run");
        if (!Directory.Exists(run)) return;
        foreach (var pidFile in Directory.GetFiles(run, "*.pid"))
        {
            var id = Path.GetFileNameWithoutExtension(pidFile);
            var ws = await db.ReadAsync(u => u.Workspaces.GetByIdAsync(id));
            if (ws is null || ws.State is WorkspaceState.Stopped or WorkspaceState.Terminated or WorkspaceState.Error)
            {
                log.LogInformation("Ending the orphan desktop session of {Workspace}", id);
                await desktops.StopAsync(ws ?? new WorkspaceRecord { WorkspaceId = id }, CancellationToken.None);
            }
        }
    }

    public async Task SnapshotAllAsync(CancellationToken ct)
    {
        foreach (var state in new[] { WorkspaceState.Available, WorkspaceState.Stopped })
            foreach (var ws in await AllInStateAsync(state))
                if (Directory.Exists(desktops.HomeOf(ws.WorkspaceId)))
                    await desktops.SnapshotAsync(ws.WorkspaceId, time.GetUtcNow(), ct);
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
            if (page.Count < 500) return all;
            after = page[^1].Seq;
        }
    }
}
