using Cubicle.Domain;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;
using static Cubicle.Tests.Steps;

namespace Cubicle.Tests;

/// <summary>
/// The lifecycle's jobs as a client and an operator see them: the provider's work for each transition, retries with
/// growing delays and then ERROR, snapshots soon after creation and then every twelve hours, the AutoStop timer, who
/// is signed out by which change, and which timers are left queued (the jobs-queued metric).
/// </summary>
public sealed class LifecycleJobTests
{
    private static readonly TimeSpan Transition = TimeSpan.FromSeconds(5);

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Snapshots_are_taken_soon_after_creation_then_every_twelve_hours(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var id = await w.CreateAsync("alice");
        await w.AdvanceAsync(Transition);
        Assert.Equal("AVAILABLE", await w.StateAsync(id));
        Assert.Empty(await SnapshotsAsync(w, id));
        await w.AdvanceAsync(Transition);
        var first = Seconds(w);
        Assert.Equal([first], await SnapshotsAsync(w, id));
        await w.AdvanceAsync(TimeSpan.FromHours(12) - TimeSpan.FromSeconds(1));
        Assert.Equal([first], await SnapshotsAsync(w, id));
        await w.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal([first + 12 * 3600, first], await SnapshotsAsync(w, id));
        Assert.Equal(1, await QueuedAsync(w, TransitionKind.Snapshot));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_reboot_keeps_the_snapshot_timer_and_a_terminate_ends_it(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var id = await w.CreateAsync("alice");
        await w.AdvanceAsync(Transition);
        var reboot = await w.Workspaces.RebootAsync(w.Caller(), new() { RebootWorkspaceRequests = One(id) });
        Assert.Empty(reboot.FailedRequests);
        Assert.Equal(1, await QueuedAsync(w, TransitionKind.Snapshot));
        await w.AdvanceAsync(Transition);
        Assert.Equal("AVAILABLE", await w.StateAsync(id));
        Assert.Single(await SnapshotsAsync(w, id));
        Assert.Equal(1, await QueuedAsync(w, TransitionKind.Snapshot));

        await w.Workspaces.TerminateAsync(w.Caller(), new() { TerminateWorkspaceRequests = One(id) });
        Assert.Equal(new Dictionary<string, long> { [TransitionKind.Terminate] = 1 }, await QueuedAsync(w));
        await w.AdvanceAsync(Transition);
        Assert.Equal(new Dictionary<string, long> { [TransitionKind.Purge] = 1 }, await QueuedAsync(w));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_snapshot_scheduled_anew_replaces_the_one_queued(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var id = await w.CreateAsync("alice");
        await w.AdvanceAsync(Transition);
        var ws = await RecordAsync(w, id);
        await w.Db.WriteAsync(
            Journal.Service,
            u => w.Lifecycle.ScheduleSnapshotAsync(u, ws, w.Lifecycle.Now + 3_600_000)
        );
        Assert.Equal(1, await QueuedAsync(w, TransitionKind.Snapshot));
        await w.AdvanceAsync(Transition);
        Assert.Empty(await SnapshotsAsync(w, id));
        await w.AdvanceAsync(TimeSpan.FromHours(1) - Transition);
        Assert.Equal([Seconds(w)], await SnapshotsAsync(w, id));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Stop_rebuild_restore_maintenance_and_terminate_sign_the_user_out(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var id = await w.CreateAsync("alice", "AUTO_STOP");
        await w.AdvanceAsync(Transition);
        await w.AdvanceAsync(Transition); // the first snapshot
        var ctx = w.Caller();

        var session = await SignInAsync(w, id);
        var rebooted = await w.Workspaces.RebootAsync(ctx, new() { RebootWorkspaceRequests = One(id) });
        Assert.Empty(rebooted.FailedRequests);
        Assert.True(await SignedInAsync(w, session), "a reboot keeps the user signed in");
        await SettleAsync(w);

        Assert.Empty(
            (await w.Workspaces.RebuildAsync(ctx, new() { RebuildWorkspaceRequests = One(id) })).FailedRequests
        );
        Assert.False(await SignedInAsync(w, session), "a rebuild signs the user out");
        await SettleAsync(w);

        session = await SignInAsync(w, id);
        Assert.Empty((await w.Workspaces.StopAsync(ctx, new() { StopWorkspaceRequests = One(id) })).FailedRequests);
        Assert.False(await SignedInAsync(w, session), "a stop signs the user out");
        await SettleAsync(w);
        Assert.Equal("STOPPED", await w.StateAsync(id));

        session = await SignInAsync(w, id);
        Assert.Empty((await w.Workspaces.StartAsync(ctx, new() { StartWorkspaceRequests = One(id) })).FailedRequests);
        Assert.True(await SignedInAsync(w, session), "a start keeps the session");
        await SettleAsync(w);

        await w.Workspaces.ModifyAsync(
            ctx,
            new()
            {
                WorkspaceId = id,
                WorkspaceProperties = new() { ComputeTypeName = "PERFORMANCE" },
            }
        );
        Assert.Equal("UPDATING", await w.StateAsync(id));
        Assert.True(await SignedInAsync(w, session), "a change of compute type keeps the user signed in");
        await SettleAsync(w);

        await w.Workspaces.RestoreAsync(ctx, new() { WorkspaceId = id });
        Assert.Equal("RESTORING", await w.StateAsync(id));
        Assert.False(await SignedInAsync(w, session), "a restore signs the user out");
        await SettleAsync(w);

        session = await SignInAsync(w, id);
        await w.Workspaces.ModifyStateAsync(ctx, new() { WorkspaceId = id, WorkspaceState = "ADMIN_MAINTENANCE" });
        Assert.False(await SignedInAsync(w, session), "maintenance signs the user out");
        session = await SignInAsync(w, id);
        await w.Workspaces.ModifyStateAsync(ctx, new() { WorkspaceId = id, WorkspaceState = "AVAILABLE" });
        Assert.Equal("AVAILABLE", await w.StateAsync(id));
        Assert.True(await SignedInAsync(w, session), "leaving maintenance signs nobody out");
        await w.Workspaces.TerminateAsync(ctx, new() { TerminateWorkspaceRequests = One(id) });
        Assert.False(await SignedInAsync(w, session), "a terminate signs the user out");
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_failed_transition_is_retried_after_two_then_four_then_eight_seconds(string engine)
    {
        var provider = new ScriptedProvider();
        provider.Fail("PROVISION", 3);
        using var w = new TestWorld(provider, engine: engine);
        var id = await w.CreateAsync("alice");
        await w.AdvanceAsync(Transition);
        foreach (var (wait, calls) in new[] { (2.0, 2), (4.0, 3), (8.0, 4) })
        {
            Assert.Equal(calls - 1, provider.Calls.Count);
            await w.AdvanceAsync(TimeSpan.FromSeconds(wait - 0.1));
            Assert.Equal(calls - 1, provider.Calls.Count);
            Assert.Equal("PENDING", await w.StateAsync(id));
            await w.AdvanceAsync(TimeSpan.FromSeconds(0.1));
            Assert.Equal(calls, provider.Calls.Count);
        }
        var ws = await RecordAsync(w, id);
        Assert.Equal(("AVAILABLE", null, null), (ws.State, ws.ErrorCode, ws.ErrorMessage));
        Assert.All(provider.Calls, c => Assert.Equal($"PROVISION {id}", c));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_failure_retrying_cannot_fix_puts_the_workspace_in_ERROR_at_once(string engine)
    {
        var provider = new ScriptedProvider();
        provider.Fail("PROVISION", 5, permanently: true);
        using var w = new TestWorld(provider, engine: engine);
        var id = await w.CreateAsync("alice");
        await w.AdvanceAsync(TimeSpan.FromSeconds(5));
        var ws = await RecordAsync(w, id);
        Assert.Equal(("ERROR", "DesktopProviderFailure"), (ws.State, ws.ErrorCode));
        Assert.Equal("PROVISION failed: provision refused by the host", ws.ErrorMessage);
        Assert.Single(provider.Calls);
        Assert.Empty(await QueuedAsync(w));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task The_fifth_failure_puts_the_workspace_in_ERROR_for_good(string engine)
    {
        var provider = new ScriptedProvider();
        provider.Fail("PROVISION", 5);
        using var w = new TestWorld(provider, engine: engine);
        var id = await w.CreateAsync("alice");
        // Tried at 5 s, then 2, 4, 8 and 16 s after each failure: the fifth is at 35 s.
        for (var i = 0; i < 35; i++)
            await w.AdvanceAsync(TimeSpan.FromSeconds(1));
        var ws = await RecordAsync(w, id);
        Assert.Equal("ERROR", ws.State);
        Assert.Equal("DesktopProviderFailure", ws.ErrorCode);
        Assert.Equal("PROVISION failed after 5 attempts: provision refused by the host", ws.ErrorMessage);
        Assert.Equal(5, provider.Calls.Count);
        Assert.Empty(await QueuedAsync(w));
        // Nothing runs it again, not even once a lease would have lapsed.
        await w.AdvanceAsync(TimeSpan.FromMinutes(30));
        Assert.Equal("ERROR", await w.StateAsync(id));
        Assert.Equal(5, provider.Calls.Count);

        // A rebuild from ERROR clears the error.
        var rebuilt = await w.Workspaces.RebuildAsync(w.Caller(), new() { RebuildWorkspaceRequests = One(id) });
        Assert.Empty(rebuilt.FailedRequests);
        ws = await RecordAsync(w, id);
        Assert.Equal(("REBUILDING", null, null), (ws.State, ws.ErrorCode, ws.ErrorMessage));
        await w.AdvanceAsync(Transition);
        Assert.Equal("AVAILABLE", await w.StateAsync(id));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_failed_snapshot_leaves_the_workspace_alone_and_is_taken_at_the_next_time(string engine)
    {
        var provider = new ScriptedProvider();
        provider.Fail("SNAPSHOT", 1);
        using var w = new TestWorld(provider, engine: engine);
        var id = await w.CreateAsync("alice");
        await w.AdvanceAsync(Transition);
        await w.AdvanceAsync(Transition);
        Assert.Equal($"SNAPSHOT {id}", provider.Calls[^1]);
        var ws = await RecordAsync(w, id);
        Assert.Equal(("AVAILABLE", null), (ws.State, ws.ErrorCode));
        Assert.Empty(await SnapshotsAsync(w, id));
        Assert.Equal(1, await QueuedAsync(w, TransitionKind.Snapshot));
        await w.AdvanceAsync(TimeSpan.FromHours(12) - TimeSpan.FromSeconds(1));
        Assert.Empty(await SnapshotsAsync(w, id));
        await w.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal([Seconds(w)], await SnapshotsAsync(w, id));
    }
}
