using Cubicle.Desktops;
using Cubicle.Jobs;
using Cubicle.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cubicle.Tests;

/// <summary>A node that stops (SIGTERM) lets the steps it started finish and begins no other.</summary>
public sealed class ShutdownTests
{
    /// <summary>Provisioning that waits, once started, until the test lets it go.</summary>
    private sealed class GatedProvider : IDesktopProvider
    {
        public readonly TaskCompletionSource Started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TimeSpan TransitionDelay => TimeSpan.FromSeconds(5);

        public async Task ProvisionAsync(WorkspaceRecord workspace, CancellationToken ct)
        {
            Started.TrySetResult();
            await Release.Task.WaitAsync(ct);
        }

        public Task StartAsync(WorkspaceRecord workspace, CancellationToken ct) => Task.CompletedTask;

        public Task StopAsync(WorkspaceRecord workspace, CancellationToken ct) => Task.CompletedTask;

        public Task RebootAsync(WorkspaceRecord workspace, CancellationToken ct) => Task.CompletedTask;

        public Task RebuildAsync(WorkspaceRecord workspace, CancellationToken ct) => Task.CompletedTask;

        public Task TerminateAsync(WorkspaceRecord workspace, CancellationToken ct) => Task.CompletedTask;

        public Task SnapshotAsync(WorkspaceRecord workspace, DateTimeOffset at, CancellationToken ct) =>
            Task.CompletedTask;

        public Task RestoreAsync(WorkspaceRecord workspace, CancellationToken ct) => Task.CompletedTask;

        public Task ModifyAsync(WorkspaceRecord workspace, CancellationToken ct) => Task.CompletedTask;
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_step_under_way_at_shutdown_finishes_and_no_other_begins(string engine)
    {
        var provider = new GatedProvider();
        using var w = new TestWorld(provider, engine: engine);
        var first = await w.CreateAsync("alice");
        w.Clock.Advance(TimeSpan.FromSeconds(5));
        var worker = new JobWorker(w.Db, w.Jobs, w.Node, new JobOptions(), w.Clock, NullLogger<JobWorker>.Instance);
        await worker.StartAsync(CancellationToken.None);
        await provider.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // Due too, but only once the node is stopping: it must wait for the next process.
        var second = await w.CreateAsync("bob");
        var stopping = worker.StopAsync(CancellationToken.None);
        w.Clock.Advance(TimeSpan.FromSeconds(5));
        await Task.Delay(200);
        Assert.False(stopping.IsCompleted, "the worker stopped before its step finished");
        provider.Release.SetResult();
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("AVAILABLE", await w.StateAsync(first));
        Assert.Equal("PENDING", await w.StateAsync(second));
        // (The first workspace's recurring snapshot is queued for hours from now.)
        var queued = await w.Db.ReadAsync(u => u.Jobs.CountByKindAsync());
        Assert.Equal([("PROVISION", 1L)], queued.Where(j => j.Kind != "SNAPSHOT"));
        // Not leased to the stopped node: the next process (or any node) claims it at once.
        var now = w.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        var claimed = await w.Db.WriteAsync(
            Journal.Service,
            u => u.Jobs.ClaimAsync(now, "next:1", now + 30_000, "next", 10)
        );
        Assert.Equal("PROVISION", Assert.Single(claimed).Kind);
    }
}
