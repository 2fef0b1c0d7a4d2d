using Cubicle.Desktops;
using Cubicle.Domain;
using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;

namespace Cubicle.Tests;

public sealed class WorkspaceLifecycleTests
{
    private static readonly TimeSpan Transition = TimeSpan.FromSeconds(5);

    [SkippableFact]
    public async Task Create_is_pending_until_the_transition_is_due()
    {
        using var w = new TestWorld();
        var id = await w.CreateAsync("alice");
        Assert.Equal("PENDING", await w.StateAsync(id));
        await w.AdvanceAsync(TimeSpan.FromSeconds(4.9));
        Assert.Equal("PENDING", await w.StateAsync(id));
        await w.AdvanceAsync(TimeSpan.FromSeconds(0.1));
        Assert.Equal("AVAILABLE", await w.StateAsync(id));
    }

    [SkippableFact]
    public async Task Reboot_rebuild_stop_start_terminate_follow_the_seed()
    {
        using var w = new TestWorld();
        var id = await w.CreateAsync("alice", "AUTO_STOP");
        await w.AdvanceAsync(Transition);
        var ctx = w.Caller();
        List<WorkspaceChangeRequest> One() => [new() { WorkspaceId = id }];

        Assert.Empty(
            (
                await w.Workspaces.RebootAsync(ctx, new RebootWorkspacesRequest { RebootWorkspaceRequests = One() })
            ).FailedRequests
        );
        Assert.Equal("REBOOTING", await w.StateAsync(id));
        var again = await w.Workspaces.RebootAsync(
            ctx,
            new RebootWorkspacesRequest { RebootWorkspaceRequests = One() }
        );
        Assert.Equal(ErrorCodes.ItemInvalidState, Assert.Single(again.FailedRequests).ErrorCode);
        await w.AdvanceAsync(Transition);
        Assert.Equal("AVAILABLE", await w.StateAsync(id));

        Assert.Empty(
            (
                await w.Workspaces.RebuildAsync(ctx, new RebuildWorkspacesRequest { RebuildWorkspaceRequests = One() })
            ).FailedRequests
        );
        Assert.Equal("REBUILDING", await w.StateAsync(id));
        await w.AdvanceAsync(Transition);

        Assert.Empty(
            (
                await w.Workspaces.StopAsync(ctx, new StopWorkspacesRequest { StopWorkspaceRequests = One() })
            ).FailedRequests
        );
        Assert.Equal("STOPPING", await w.StateAsync(id));
        await w.AdvanceAsync(Transition);
        Assert.Equal("STOPPED", await w.StateAsync(id));
        var rebootStopped = await w.Workspaces.RebootAsync(
            ctx,
            new RebootWorkspacesRequest { RebootWorkspaceRequests = One() }
        );
        Assert.Equal(ErrorCodes.ItemInvalidState, Assert.Single(rebootStopped.FailedRequests).ErrorCode);

        Assert.Empty(
            (
                await w.Workspaces.StartAsync(ctx, new StartWorkspacesRequest { StartWorkspaceRequests = One() })
            ).FailedRequests
        );
        Assert.Equal("STARTING", await w.StateAsync(id));
        await w.AdvanceAsync(Transition);
        Assert.Equal("AVAILABLE", await w.StateAsync(id));

        Assert.Empty(
            (
                await w.Workspaces.TerminateAsync(
                    ctx,
                    new TerminateWorkspacesRequest { TerminateWorkspaceRequests = One() }
                )
            ).FailedRequests
        );
        Assert.Equal("TERMINATING", await w.StateAsync(id));
        await w.AdvanceAsync(Transition);
        Assert.Equal("TERMINATED", await w.StateAsync(id));
        await w.AdvanceAsync(TimeSpan.FromMinutes(59));
        Assert.Equal("TERMINATED", await w.StateAsync(id));
        await w.AdvanceAsync(TimeSpan.FromMinutes(1));
        Assert.Equal("GONE", await w.StateAsync(id));
    }

    [SkippableFact]
    public async Task Always_on_workspaces_cannot_be_stopped_or_started()
    {
        using var w = new TestWorld();
        var id = await w.CreateAsync("alice");
        await w.AdvanceAsync(Transition);
        var r = await w.Workspaces.StopAsync(
            w.Caller(),
            new StopWorkspacesRequest { StopWorkspaceRequests = [new() { WorkspaceId = id }] }
        );
        Assert.Equal(ErrorCodes.ItemUnsupportedConfiguration, Assert.Single(r.FailedRequests).ErrorCode);
        Assert.Equal("AVAILABLE", await w.StateAsync(id));
    }

    [SkippableFact]
    public async Task Terminate_supersedes_a_transition_in_flight()
    {
        using var w = new TestWorld();
        var id = await w.CreateAsync("alice");
        await w.Workspaces.TerminateAsync(
            w.Caller(),
            new TerminateWorkspacesRequest { TerminateWorkspaceRequests = [new() { WorkspaceId = id }] }
        );
        Assert.Equal("TERMINATING", await w.StateAsync(id));
        await w.AdvanceAsync(Transition);
        Assert.Equal("TERMINATED", await w.StateAsync(id)); // the PROVISION row was superseded, not run after
    }

    [SkippableFact]
    public async Task AutoStop_stops_a_workspace_whose_user_has_been_away_for_its_timeout()
    {
        using var w = new TestWorld();
        var id = await w.CreateAsync("alice", "AUTO_STOP", 120);
        await w.AdvanceAsync(Transition);
        await w.Workspaces.RecordConnectionAsync(id, connected: true);
        await w.AdvanceAsync(TimeSpan.FromHours(5));
        Assert.Equal("AVAILABLE", await w.StateAsync(id)); // connected: never stopped

        await w.Workspaces.RecordConnectionAsync(id, connected: false);
        await w.AdvanceAsync(TimeSpan.FromMinutes(119));
        Assert.Equal("AVAILABLE", await w.StateAsync(id));
        await w.AdvanceAsync(TimeSpan.FromMinutes(1));
        Assert.Equal("STOPPING", await w.StateAsync(id));
        await w.AdvanceAsync(Transition);
        Assert.Equal("STOPPED", await w.StateAsync(id));
    }

    [SkippableFact]
    public async Task AutoStop_follows_a_changed_running_mode()
    {
        using var w = new TestWorld();
        var id = await w.CreateAsync("alice");
        await w.AdvanceAsync(Transition);
        await w.AdvanceAsync(TimeSpan.FromHours(3));
        Assert.Equal("AVAILABLE", await w.StateAsync(id)); // ALWAYS_ON: no timer
        await w.Workspaces.ModifyAsync(
            w.Caller(),
            new ModifyWorkspacePropertiesRequest
            {
                WorkspaceId = id,
                WorkspaceProperties = new WorkspaceProperties
                {
                    RunningMode = "AUTO_STOP",
                    RunningModeAutoStopTimeoutInMinutes = 60,
                },
            }
        );
        // Away for three hours already: the timer is due at once.
        await w.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal("STOPPING", await w.StateAsync(id));
    }

    [SkippableFact]
    public async Task Transitions_survive_a_restart()
    {
        using var w = new TestWorld();
        var id = await w.CreateAsync("alice");
        w.Restart(); // nothing ran: the PROVISION row is all there is
        await w.AdvanceAsync(Transition);
        Assert.Equal("AVAILABLE", await w.StateAsync(id));
    }

    [SkippableFact]
    public async Task A_claimed_transition_is_run_again_after_a_crash()
    {
        using var w = new TestWorld();
        var id = await w.CreateAsync("alice");
        w.Clock.Advance(Transition);
        var now = w.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        // Claimed by an earlier process of this node that then died before committing its outcome.
        var claimed = await w.Db.WriteAsync(
            Journal.Service,
            u => u.Jobs.ClaimAsync(now, w.Node.Name + ":dead", now + 600_000, w.Node.Name, 10)
        );
        Assert.Single(claimed);
        await w.AdvanceAsync(TimeSpan.Zero);
        Assert.Equal("PENDING", await w.StateAsync(id)); // its lease holds: nobody else runs it
        w.Restart(); // the node's new process takes its jobs back at once
        await w.AdvanceAsync(TimeSpan.Zero);
        Assert.Equal("AVAILABLE", await w.StateAsync(id));
    }

    [SkippableFact]
    public async Task A_failing_provider_is_retried_then_the_workspace_goes_to_ERROR()
    {
        var flaky = new FlakyProvider(failures: 2);
        using var w = new TestWorld(flaky);
        var id = await w.CreateAsync("alice");
        await w.AdvanceAsync(Transition);
        Assert.Equal("PENDING", await w.StateAsync(id)); // failed once, retried later
        await w.AdvanceAsync(TimeSpan.FromSeconds(10));
        await w.AdvanceAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("AVAILABLE", await w.StateAsync(id));

        using var broken = new TestWorld(new FlakyProvider(failures: 100));
        var id2 = await broken.CreateAsync("bob");
        for (var i = 0; i < 10; i++)
            await broken.AdvanceAsync(TimeSpan.FromMinutes(1));
        var ws = await broken.Db.ReadAsync(u => u.Workspaces.GetByIdAsync(id2));
        Assert.Equal("ERROR", ws!.State);
        Assert.Equal("DesktopProviderFailure", ws.ErrorCode);
        Assert.Contains("desktop refused", ws.ErrorMessage);
    }

    [SkippableFact]
    public async Task Quota_counts_all_but_terminated_workspaces()
    {
        using var w = new TestWorld(quota: 1);
        var id = await w.CreateAsync("alice");
        var ex = await Assert.ThrowsAsync<ApiException>(() => w.CreateAsync("bob"));
        Assert.Equal(ErrorCodes.ResourceLimitExceeded, ex.Code);
        await w.Workspaces.TerminateAsync(
            w.Caller(),
            new TerminateWorkspacesRequest { TerminateWorkspaceRequests = [new() { WorkspaceId = id }] }
        );
        await w.AdvanceAsync(Transition);
        await w.CreateAsync("bob");
    }

    [SkippableFact]
    public async Task Other_accounts_and_regions_see_nothing()
    {
        using var w = new TestWorld();
        var id = await w.CreateAsync("alice");
        foreach (var other in new[] { w.Caller("111111111111"), w.Caller(region: "eu-west-1") })
        {
            var found = await w.Workspaces.DescribeAsync(other, new DescribeWorkspacesRequest());
            Assert.Empty(found.Workspaces!);
            var r = await w.Workspaces.TerminateAsync(
                other,
                new TerminateWorkspacesRequest { TerminateWorkspaceRequests = [new() { WorkspaceId = id }] }
            );
            Assert.Equal(ErrorCodes.ItemWorkspaceNotFound, Assert.Single(r.FailedRequests).ErrorCode);
        }
        Assert.Equal("PENDING", await w.StateAsync(id));
    }

    private sealed class FlakyProvider(int failures) : IDesktopProvider
    {
        private int _left = failures;
        public TimeSpan TransitionDelay => TimeSpan.FromSeconds(5);

        public Task ProvisionAsync(WorkspaceRecord workspace, CancellationToken ct) =>
            Interlocked.Decrement(ref _left) >= 0
                ? throw new InvalidOperationException("desktop refused to start")
                : Task.CompletedTask;

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
}
