using Cubicle.Cluster;
using Cubicle.Observability;
using Cubicle.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cubicle.Jobs;

/// <summary>
/// Runs lifecycle jobs on this node. It claims due jobs (SKIP LOCKED: nodes never claim the same one), runs each
/// on its own with a timeout per provider call, so one slow desktop never holds up the others, and renews the
/// leases of the jobs it runs. A lease it fails to renew means the job was superseded or taken over: its call is
/// cancelled and its outcome dropped. It sleeps until a job is due, a job ends, or any node queues one.
/// </summary>
public sealed class JobWorker(
    IDatabase db,
    JobRunner runner,
    NodeIdentity node,
    JobOptions options,
    TimeProvider time,
    ILogger<JobWorker> log,
    CubicleMetrics? metrics = null,
    NodeLock? nodeLock = null
) : BackgroundService
{
    private static readonly TimeSpan MaxIdle = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly Dictionary<long, RunningJob> _running = new();

    private sealed class RunningJob(JobRecord job, CancellationTokenSource cancel)
    {
        public readonly JobRecord Job = job;
        public readonly CancellationTokenSource Cancel = cancel;
        public Task Run = Task.CompletedTask;

        /// <summary>
        /// Its outcome is being committed: that transaction holds the job's row, so it is not renewed.
        /// </summary>
        public volatile bool Completing;
    }

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException) { }
    }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        db.Subscribe(Channels.Jobs, Wake);
        // Earlier processes of this node are dead (this one holds the node's name): their jobs need no waiting out.
        var released = await RetryAsync(
            () => db.WriteAsync(Journal.Service, u => u.Jobs.ReleaseNodeAsync(node.Name)),
            stopping
        );
        if (released > 0)
            log.LogInformation("Took back {Count} jobs this node had started before it stopped", released);
        var nextRenewal = time.GetUtcNow() + options.Lease / 3;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                Reap();
                // Without the node's name (lost with the database connection), claiming could collide with another
                // process of the same name: wait until it is held again.
                var free = nodeLock is { IsHeld: false } ? 0 : options.Concurrency - _running.Count;
                var claimed = free > 0 ? await ClaimAsync(free) : [];
                foreach (var job in claimed)
                    Start(job);
                if (time.GetUtcNow() >= nextRenewal)
                {
                    await RenewAsync();
                    nextRenewal = time.GetUtcNow() + options.Lease / 3;
                }
                if (claimed.Count > 0 && claimed.Count == free)
                    continue;
                await WaitAsync(nextRenewal, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (StoreUnavailableException ex)
            {
                log.LogWarning("The job worker cannot reach the database ({Error}); retrying", ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), time, stopping).ContinueWith(_ => { });
            }
            catch (Exception ex)
            {
                log.LogError(ex, "The job worker failed; retrying in a second");
                await Task.Delay(TimeSpan.FromSeconds(1), time, stopping).ContinueWith(_ => { });
            }
        }
        // Shutting down: the steps already started finish (the host bounds how long this takes); none is begun.
        await Task.WhenAll(_running.Values.Select(r => r.Run));
    }

    private Task<List<JobRecord>> ClaimAsync(int max)
    {
        var now = Now;
        var until = now + (long)options.Lease.TotalMilliseconds;
        return db.WriteAsync(Journal.Service, u => u.Jobs.ClaimAsync(now, node.LeaseOwner, until, node.Name, max));
    }

    private void Start(JobRecord job)
    {
        var running = new RunningJob(job, new CancellationTokenSource(options.CallTimeout, time));
        _running[job.Id] = running;
        running.Run = Task.Run(() => RunAsync(running));
    }

    private async Task RunAsync(RunningJob running)
    {
        var (job, ct) = (running.Job, running.Cancel.Token);
        metrics?.JobStarted();
        using var span = CubicleTracing.Source.StartActivity($"job {job.Kind}");
        span?.SetTag("cubicle.job.id", job.Id);
        span?.SetTag("cubicle.job.subject", job.Subject);
        span?.SetTag("cubicle.job.attempt", job.Attempts);
        Exception? failure = null;
        try
        {
            await runner.RunAsync(job, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            failure = new TimeoutException($"{job.Kind} did not finish within {options.CallTimeout.TotalSeconds:0} s");
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        if (failure is not null)
            span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, failure.Message);
        var retried = failure is not null && runner.WillRetry(job, failure);
        metrics?.JobFinished(job.Kind, failure is null, retried);
        running.Completing = true;
        try
        {
            await runner.CompleteAsync(job, node.LeaseOwner, failure);
        }
        catch (Exception ex)
        {
            // The lease lapses and the job runs again: providers' work is idempotent.
            log.LogWarning(ex, "The outcome of job {Id} ({Kind}) could not be recorded", job.Id, job.Kind);
        }
        finally
        {
            Wake();
        }
    }

    private void Reap()
    {
        foreach (var (id, running) in _running.Where(r => r.Value.Run.IsCompleted).ToList())
        {
            running.Cancel.Dispose();
            _running.Remove(id);
        }
    }

    /// <summary>Renews the leases of the jobs still at work, together and each within a bound: one renewal that waits
    /// on a lock must not hold up the others, nor the loop.</summary>
    private async Task RenewAsync()
    {
        var until = Now + (long)options.Lease.TotalMilliseconds;
        var renewals = _running
            .Values.Where(r => !r.Run.IsCompleted && !r.Completing)
            .Select(async r =>
            {
                using var bound = new CancellationTokenSource(options.Lease / 3);
                bool held;
                try
                {
                    held = await db.WriteAsync(
                        Journal.Service,
                        u => u.Jobs.RenewAsync(r.Job.Id, node.LeaseOwner, r.Job.Attempts, until),
                        bound.Token
                    );
                }
                catch (Exception ex) when (ex is OperationCanceledException or StoreUnavailableException)
                {
                    return;
                } // next time
                if (!held && !r.Completing)
                {
                    log.LogInformation(
                        "Job {Id} ({Kind}) was superseded or taken over; cancelling it here",
                        r.Job.Id,
                        r.Job.Kind
                    );
                    await r.Cancel.CancelAsync();
                }
            });
        // A renewal still waiting after the bound goes on by itself; the loop does not wait for it.
        await Task.WhenAny(Task.WhenAll(renewals), Task.Delay(options.Lease / 3, time));
    }

    private async Task WaitAsync(DateTimeOffset nextRenewal, CancellationToken stopping)
    {
        var next = await db.ReadAsync(u => u.Jobs.NextDueAsync(node.Name), stopping);
        var until = next is null ? MaxIdle : TimeSpan.FromMilliseconds(Math.Max(next.Value - Now, 0));
        var renewal = nextRenewal - time.GetUtcNow();
        var wait = TimeSpan.FromMilliseconds(
            Math.Clamp(Math.Min(until.TotalMilliseconds, renewal.TotalMilliseconds), 10, MaxIdle.TotalMilliseconds)
        );
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var woken = _wake.WaitAsync(cts.Token);
        var delay = Task.Delay(wait, time, cts.Token);
        await Task.WhenAny(woken, delay);
        await cts.CancelAsync();
        try
        {
            await Task.WhenAll(woken, delay);
        }
        catch (OperationCanceledException) { }
    }

    private async Task<T> RetryAsync<T>(Func<Task<T>> action, CancellationToken stopping)
    {
        while (true)
        {
            try
            {
                return await action();
            }
            catch (StoreUnavailableException) when (!stopping.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), time, stopping);
            }
        }
    }
}
