using Cubicle.Domain;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;
using static Cubicle.Tests.Steps;

namespace Cubicle.Tests;

/// <summary>
/// The AutoStop timer (from the moment the desktop is up, kept across changes that leave it running, one per
/// workspace) and jobs that find nothing to act on: a workspace that is gone, another kind of resource, a desktop
/// being terminated.
/// </summary>
public sealed class LifecycleTimerTests
{
    private static readonly TimeSpan Transition = TimeSpan.FromSeconds(5);

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task An_AutoStop_workspace_nobody_signs_in_to_stops_after_its_timeout(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var id = await w.CreateAsync("alice", "AUTO_STOP");
        await w.AdvanceAsync(Transition);
        Assert.Equal(1, await QueuedAsync(w, TransitionKind.AutoStop));
        await w.AdvanceAsync(TimeSpan.FromMinutes(60) - TimeSpan.FromSeconds(1));
        Assert.Equal("AVAILABLE", await w.StateAsync(id));
        await w.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal("STOPPING", await w.StateAsync(id));
        await w.AdvanceAsync(Transition);
        var ws = await RecordAsync(w, id);
        Assert.Equal(("STOPPED", "DISCONNECTED"), (ws.State, ws.ConnectionState));
        Assert.Equal(0, await QueuedAsync(w, TransitionKind.AutoStop));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_change_of_compute_type_keeps_the_user_connected_and_the_AutoStop_clock(string engine)
    {
        var provider = new ScriptedProvider();
        using var w = new TestWorld(provider, engine: engine);
        var id = await w.CreateAsync("alice", "AUTO_STOP");
        await w.AdvanceAsync(Transition);
        var modify = new ModifyWorkspacePropertiesRequest
        {
            WorkspaceId = id,
            WorkspaceProperties = new() { ComputeTypeName = "POWER" },
        };
        await w.Workspaces.ModifyAsync(w.Caller(), modify);
        Assert.Equal(0, await QueuedAsync(w, TransitionKind.AutoStop));
        await w.AdvanceAsync(Transition);
        Assert.Equal("AVAILABLE", await w.StateAsync(id));
        Assert.Contains($"MODIFY {id}", provider.Calls);
        // Away since the desktop came up: the timer still counts from then.
        await w.AdvanceAsync(TimeSpan.FromMinutes(60) - Transition - TimeSpan.FromSeconds(1));
        Assert.Equal("AVAILABLE", await w.StateAsync(id));
        await w.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal("STOPPING", await w.StateAsync(id));
        await w.AdvanceAsync(Transition);

        // Stopped, the change is applied and the workspace is STOPPED again.
        modify.WorkspaceProperties.ComputeTypeName = "POWERPRO";
        await w.Workspaces.ModifyAsync(w.Caller(), modify);
        Assert.Equal("UPDATING", await w.StateAsync(id));
        await w.AdvanceAsync(Transition);
        var ws = await RecordAsync(w, id);
        Assert.Equal(("STOPPED", "POWERPRO"), (ws.State, ws.ComputeTypeName));
        Assert.Equal($"MODIFY {id}", provider.Calls[^1]);
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_connected_user_keeps_the_connection_through_a_change_and_has_no_timer(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var id = await w.CreateAsync("alice", "AUTO_STOP");
        await w.AdvanceAsync(Transition);
        await w.Workspaces.RecordConnectionAsync(id, connected: true);
        Assert.Equal(0, await QueuedAsync(w, TransitionKind.AutoStop));
        await w.Workspaces.ModifyAsync(
            w.Caller(),
            new()
            {
                WorkspaceId = id,
                WorkspaceProperties = new() { UserVolumeSizeGib = 100 },
            }
        );
        await w.AdvanceAsync(Transition);
        var ws = await RecordAsync(w, id);
        Assert.Equal(("AVAILABLE", "CONNECTED", 100), (ws.State, ws.ConnectionState, ws.UserVolumeSizeGib));
        Assert.Equal(0, await QueuedAsync(w, TransitionKind.AutoStop));
        for (var i = 0; i < 3; i++)
        {
            await w.Workspaces.RecordConnectionAsync(id, connected: false);
            Assert.Equal(1, await QueuedAsync(w, TransitionKind.AutoStop));
            await w.Workspaces.RecordConnectionAsync(id, connected: true);
            Assert.Equal(0, await QueuedAsync(w, TransitionKind.AutoStop));
        }
        await w.AdvanceAsync(TimeSpan.FromHours(3));
        Assert.Equal("AVAILABLE", await w.StateAsync(id));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task An_AutoStop_timer_that_fires_early_waits_for_the_rest_of_the_timeout(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var id = await w.CreateAsync("alice", "AUTO_STOP", 120);
        await w.AdvanceAsync(Transition);
        var ws = await RecordAsync(w, id);
        // A timer due now (say, set by a node whose clock ran ahead) instead of the one due in two hours.
        await w.Db.WriteAsync(
            Journal.Service,
            async u =>
            {
                await u.Jobs.CancelAsync(JobSubjects.Workspace, ws.Seq, [TransitionKind.AutoStop]);
                return await u.Jobs.ScheduleAsync(
                    JobSubjects.Workspace,
                    ws.Seq,
                    TransitionKind.AutoStop,
                    w.Lifecycle.Now
                );
            }
        );
        await w.AdvanceAsync(TimeSpan.FromMinutes(30));
        Assert.Equal("AVAILABLE", await w.StateAsync(id));
        Assert.Equal(1, await QueuedAsync(w, TransitionKind.AutoStop));
        await w.AdvanceAsync(TimeSpan.FromMinutes(90) - TimeSpan.FromSeconds(1));
        Assert.Equal("AVAILABLE", await w.StateAsync(id));
        await w.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal("STOPPING", await w.StateAsync(id));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Jobs_that_find_no_workspace_do_nothing_and_are_dropped(string engine)
    {
        var provider = new ScriptedProvider();
        using var w = new TestWorld(provider, engine: engine);
        var id = await w.CreateAsync("alice");
        await w.AdvanceAsync(Transition);
        await w.AdvanceAsync(Transition);
        var ws = await RecordAsync(w, id);
        var calls = provider.Calls.Count;
        var now = w.Lifecycle.Now;
        // A job of a workspace that no longer exists, and one of another kind of resource that has the same number.
        var (gone, other) = await w.Db.WriteAsync(
            Journal.Service,
            async u =>
                (
                    await u.Jobs.ScheduleAsync(JobSubjects.Workspace, ws.Seq + 1000, TransitionKind.Terminate, now),
                    await u.Jobs.ScheduleAsync(JobSubjects.Directory, ws.Seq, TransitionKind.Terminate, now)
                )
        );
        var claimed = await w.Db.WriteAsync(
            Journal.Service,
            u => u.Jobs.ClaimAsync(now, "test:1", now + 60_000, w.Node.Name, 10)
        );
        Assert.Equal([gone, other], claimed.Select(j => j.Id).Order());
        foreach (var job in claimed)
        {
            await w.Lifecycle.RunAsync(job, CancellationToken.None);
            await w.Jobs.CompleteAsync(job, "test:1", null);
        }
        Assert.Equal(calls, provider.Calls.Count);
        Assert.Equal("AVAILABLE", await w.StateAsync(id));
        Assert.Null(await w.Db.ReadAsync(u => u.Jobs.GetAsync(gone)));
        Assert.Null(await w.Db.ReadAsync(u => u.Jobs.GetAsync(other)));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task No_snapshot_is_taken_of_a_workspace_being_terminated(string engine)
    {
        var provider = new ScriptedProvider();
        using var w = new TestWorld(provider, engine: engine);
        var id = await w.CreateAsync("alice");
        await w.AdvanceAsync(Transition);
        var ws = await RecordAsync(w, id);
        var snapshot = new JobRecord
        {
            Subject = JobSubjects.Workspace,
            SubjectSeq = ws.Seq,
            Kind = TransitionKind.Snapshot,
        };
        await w.Lifecycle.RunAsync(snapshot, CancellationToken.None);
        Assert.Equal($"SNAPSHOT {id}", provider.Calls[^1]);
        await w.Workspaces.TerminateAsync(w.Caller(), new() { TerminateWorkspaceRequests = One(id) });
        var calls = provider.Calls.Count;
        await w.Lifecycle.RunAsync(snapshot, CancellationToken.None);
        await w.AdvanceAsync(Transition);
        Assert.Equal("TERMINATED", await w.StateAsync(id));
        await w.Lifecycle.RunAsync(snapshot, CancellationToken.None);
        Assert.Equal([$"TERMINATE {id}"], provider.Calls.Skip(calls));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Nothing_of_a_purged_workspace_is_left(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var created = await w.Workspaces.CreateAsync(
            w.Caller(),
            new()
            {
                Workspaces =
                [
                    new()
                    {
                        DirectoryId = DirectoryLoader.DemoDirectoryId,
                        UserName = "alice",
                        BundleId = "wsb-al2std01",
                        Tags = [new() { Key = "team", Value = "blue" }],
                    },
                ],
            }
        );
        var id = created.PendingRequests![0].WorkspaceId!;
        await w.AdvanceAsync(Transition);
        await w.Workspaces.TerminateAsync(w.Caller(), new() { TerminateWorkspaceRequests = One(id) });
        await w.AdvanceAsync(Transition);
        Assert.Equal("TERMINATED", await w.StateAsync(id));
        await w.AdvanceAsync(TimeSpan.FromHours(1));
        Assert.Equal("GONE", await w.StateAsync(id));
        Assert.Empty(await w.Db.ReadAsync(u => u.Tags.GetAsync(CubicleOptions.DefaultAccountId, "us-east-1", id)));
        Assert.Empty(await QueuedAsync(w));
    }
}
