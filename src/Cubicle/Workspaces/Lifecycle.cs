using Cubicle.Desktops;
using Cubicle.Storage;
using Microsoft.Extensions.Logging;

namespace Cubicle.Workspaces;

/// <summary>
/// The workspace state machine. A transition is a row (what, when due, attempts) written in the same
/// transaction as the state change that starts it; <see cref="RunDueAsync"/> claims due rows, has the
/// desktop provider do the work, and commits the resulting state. A crash at any point leaves the row,
/// so the transition is run again after a restart.
/// </summary>
public sealed class Lifecycle(
    IStore store,
    IDesktopProvider provider,
    TimeProvider time,
    CubicleOptions options,
    LifecycleSignal signal,
    ILogger<Lifecycle> log)
{
    private const int BatchSize = 128;
    private const int MaxAttempts = 5;
    private static readonly long LeaseMs = (long)TimeSpan.FromMinutes(10).TotalMilliseconds;

    public long Now => time.GetUtcNow().ToUnixTimeMilliseconds();
    private long DelayMs => (long)provider.TransitionDelay.TotalMilliseconds;
    private long AutoStopMinuteMs => (long)(options.AutoStopMinuteSeconds * 1000);

    /// <summary>Moves the workspace into a transitional state and queues the work that ends it.
    /// Whatever was queued before for it is superseded.</summary>
    public void Begin(IStoreTx tx, WorkspaceRecord ws, string state, string kind, long now)
    {
        tx.CancelTransitions(ws.Seq);
        ws.State = state;
        ws.StateChangedAt = now;
        ws.ErrorCode = null;
        ws.ErrorMessage = null;
        tx.UpdateWorkspace(ws);
        tx.ScheduleTransition(ws.Seq, kind, now + DelayMs);
    }

    /// <summary>Queues the first transition of a workspace just inserted in its transitional state.</summary>
    public void Queue(IStoreTx tx, WorkspaceRecord ws, string kind, long now) => tx.ScheduleTransition(ws.Seq, kind, now + DelayMs);

    /// <summary>(Re)arms the AutoStop timer: an AUTO_STOP workspace that is AVAILABLE and whose user is
    /// away stops once its timeout has passed since the user left.</summary>
    public void ArmAutoStop(IStoreTx tx, WorkspaceRecord ws, long now)
    {
        tx.CancelTransitions(ws.Seq, [TransitionKind.AutoStop]);
        if (AutoStopDue(ws, now) is { } due)
            tx.ScheduleTransition(ws.Seq, TransitionKind.AutoStop, due);
    }

    private long? AutoStopDue(WorkspaceRecord ws, long now)
    {
        if (ws.RunningMode != RunningMode.AutoStop || ws.State != WorkspaceState.Available ||
            ws.ConnectionState != ConnectionState.Disconnected)
            return null;
        var minutes = ws.AutoStopTimeout ?? 60;
        return (ws.DisconnectedAt ?? now) + minutes * AutoStopMinuteMs;
    }

    /// <summary>Claims the transitions that are due, runs them, and commits their outcome. Returns how many ran.</summary>
    public async Task<int> RunDueAsync(CancellationToken ct = default)
    {
        var now = Now;
        var claimed = await store.WriteAsync(tx => tx.ClaimDueTransitions(now, now + LeaseMs, BatchSize));
        if (claimed.Count == 0) return 0;

        var failures = new Exception?[claimed.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, claimed.Count),
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct },
            async (i, token) =>
            {
                var t = claimed[i];
                try
                {
                    var ws = await store.ReadAsync(r => r.GetWorkspaceBySeq(t.WorkspaceSeq));
                    if (ws is not null) await RunProviderAsync(t.Kind, ws, token);
                }
                catch (Exception ex) when (!token.IsCancellationRequested)
                {
                    log.LogWarning(ex, "Transition {Kind} of workspace #{Seq} failed (attempt {Attempt})", t.Kind, t.WorkspaceSeq, t.Attempts);
                    failures[i] = ex;
                }
            });

        var finishedAt = Now;
        await store.WriteAsync(tx =>
        {
            for (var i = 0; i < claimed.Count; i++) Complete(tx, claimed[i], failures[i], finishedAt);
            return 0;
        });
        signal.Notify();
        return claimed.Count;
    }

    private Task RunProviderAsync(string kind, WorkspaceRecord ws, CancellationToken ct) => kind switch
    {
        TransitionKind.Provision => provider.ProvisionAsync(ws, ct),
        TransitionKind.Reboot => provider.RebootAsync(ws, ct),
        TransitionKind.Rebuild => provider.RebuildAsync(ws, ct),
        TransitionKind.Start => provider.StartAsync(ws, ct),
        TransitionKind.Stop => provider.StopAsync(ws, ct),
        TransitionKind.Terminate => provider.TerminateAsync(ws, ct),
        _ => Task.CompletedTask, // timers: decided in Complete
    };

    private void Complete(IStoreTx tx, TransitionRecord t, Exception? failure, long now)
    {
        // A transition that was superseded (say, a Terminate during a Reboot) has lost its row: drop its outcome.
        var current = tx.GetTransition(t.Id);
        if (current is null || current.Attempts != t.Attempts) return;
        var ws = tx.GetWorkspaceBySeq(t.WorkspaceSeq);
        if (ws is null)
        {
            tx.DeleteTransition(t.Id);
            return;
        }

        if (failure is not null)
        {
            if (t.Attempts < MaxAttempts)
            {
                tx.RetryTransition(t.Id, now + (1000L << t.Attempts), failure.Message);
                return;
            }
            tx.DeleteTransition(t.Id);
            ws.State = WorkspaceState.Error;
            ws.StateChangedAt = now;
            ws.ErrorCode = "DesktopProviderFailure";
            ws.ErrorMessage = $"{t.Kind} failed after {t.Attempts} attempts: {failure.Message}";
            tx.UpdateWorkspace(ws);
            return;
        }

        tx.DeleteTransition(t.Id);
        switch (t.Kind)
        {
            case TransitionKind.Provision or TransitionKind.Reboot or TransitionKind.Rebuild or TransitionKind.Start:
                ws.State = WorkspaceState.Available;
                ws.StateChangedAt = now;
                // A fresh boot has nobody connected; the AutoStop clock starts now.
                ws.ConnectionState = ConnectionState.Disconnected;
                ws.ConnectionCheckedAt = now;
                ws.DisconnectedAt = now;
                tx.UpdateWorkspace(ws);
                ArmAutoStop(tx, ws, now);
                break;
            case TransitionKind.Stop:
                ws.State = WorkspaceState.Stopped;
                ws.StateChangedAt = now;
                ws.ConnectionState = ConnectionState.Disconnected;
                ws.ConnectionCheckedAt = now;
                tx.UpdateWorkspace(ws);
                break;
            case TransitionKind.Terminate:
                ws.State = WorkspaceState.Terminated;
                ws.StateChangedAt = now;
                ws.TerminatedAt = now;
                ws.ConnectionState = ConnectionState.Disconnected;
                tx.UpdateWorkspace(ws);
                tx.ChangeActiveCount(ws.AccountId, -1);
                tx.CancelTransitions(ws.Seq);
                tx.ScheduleTransition(ws.Seq, TransitionKind.Purge, now + (long)(options.TerminatedRetentionSeconds * 1000));
                break;
            case TransitionKind.Purge:
                if (ws.State == WorkspaceState.Terminated) tx.DeleteWorkspace(ws);
                break;
            case TransitionKind.AutoStop:
                if (AutoStopDue(ws, now) is { } due)
                {
                    if (due <= now) Begin(tx, ws, WorkspaceState.Stopping, TransitionKind.Stop, now);
                    else tx.ScheduleTransition(ws.Seq, TransitionKind.AutoStop, due);
                }
                break;
        }
    }
}

/// <summary>Wakes the lifecycle worker when new work was queued, so it need not poll.</summary>
public sealed class LifecycleSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        try { _signal.Release(); } catch (SemaphoreFullException) { }
    }

    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var signalled = _signal.WaitAsync(cts.Token);
        var delay = Task.Delay(timeout, time, cts.Token);
        await Task.WhenAny(signalled, delay).ConfigureAwait(false);
        cts.Cancel();
        try { await Task.WhenAll(signalled, delay).ConfigureAwait(false); } catch (OperationCanceledException) { }
    }
}
