using Cubicle.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cubicle.Workspaces;

/// <summary>Runs due lifecycle transitions; sleeps until the next one is due or new work is queued.</summary>
public sealed class LifecycleWorker(Lifecycle lifecycle, IStore store, LifecycleSignal signal, TimeProvider time, ILogger<LifecycleWorker> log)
    : BackgroundService
{
    private static readonly TimeSpan MaxIdle = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        // Single node: whatever this server had claimed before it stopped is claimable again.
        await store.WriteAsync(tx => { tx.ReleaseAllLeases(); return 0; });
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (await lifecycle.RunDueAsync(ct) > 0) continue;
                var next = await store.ReadAsync(r => r.NextTransitionDue());
                var wait = next is null ? MaxIdle : TimeSpan.FromMilliseconds(Math.Clamp(next.Value - lifecycle.Now, 20, MaxIdle.TotalMilliseconds));
                await signal.WaitAsync(wait, time, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                log.LogError(ex, "Lifecycle worker failed; retrying in a second");
                await Task.Delay(TimeSpan.FromSeconds(1), time, ct).ContinueWith(_ => { });
            }
        }
    }
}
