using Cubicle.Domain;
using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;
using static Cubicle.Tests.Steps;

namespace Cubicle.Tests;

/// <summary>
/// ModifyWorkspaceProperties (what changes in place and what goes through UPDATING, volumes that only grow, the
/// refusals by state), ModifyWorkspaceState, RestoreWorkspace's refusals, DescribeWorkspaceSnapshots and the
/// connections recorded for a workspace.
/// </summary>
public sealed class ModifyWorkspaceTests
{
    private static readonly TimeSpan Transition = TimeSpan.FromSeconds(5);

    private static string Props(WorkspaceRecord ws) =>
        $"{ws.State} {ws.RunningMode} {ws.AutoStopTimeout?.ToString() ?? "-"} {ws.RootVolumeSizeGib} "
        + $"{ws.UserVolumeSizeGib} {ws.ComputeTypeName} {ws.Protocols} {ws.OperatingSystemName}";

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Properties_change_in_place_and_the_desktop_itself_through_UPDATING(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var id = await w.CreateAsync("alice");
        await w.AdvanceAsync(Transition);
        var ctx = w.Caller();
        async Task<string> ModifyAsync(WorkspaceProperties p)
        {
            await w.Workspaces.ModifyAsync(ctx, new() { WorkspaceId = id, WorkspaceProperties = p });
            var props = Props(await RecordAsync(w, id));
            await w.AdvanceAsync(Transition);
            return props;
        }
        Assert.Equal("AVAILABLE ALWAYS_ON - 80 50 STANDARD WSP AMAZON_LINUX_2", Props(await RecordAsync(w, id)));
        Assert.Equal(
            "AVAILABLE AUTO_STOP 60 80 50 STANDARD WSP AMAZON_LINUX_2",
            await ModifyAsync(new() { RunningMode = "AUTO_STOP" })
        );
        Assert.Equal(
            "AVAILABLE AUTO_STOP 180 80 50 STANDARD WSP AMAZON_LINUX_2",
            await ModifyAsync(new() { RunningModeAutoStopTimeoutInMinutes = 180 })
        );
        Assert.Equal(
            "AVAILABLE AUTO_STOP 180 80 50 STANDARD PCOIP,WSP UBUNTU_22_04",
            await ModifyAsync(
                new()
                {
                    RunningMode = "AUTO_STOP",
                    Protocols = ["PCOIP", "WSP"],
                    OperatingSystemName = "UBUNTU_22_04",
                }
            )
        );
        Assert.Equal(
            "UPDATING AUTO_STOP 180 175 50 STANDARD PCOIP,WSP UBUNTU_22_04",
            await ModifyAsync(new() { RootVolumeSizeGib = 175 })
        );
        Assert.Equal(
            "UPDATING MANUAL 180 175 100 STANDARD PCOIP,WSP UBUNTU_22_04",
            await ModifyAsync(new() { RunningMode = "MANUAL", UserVolumeSizeGib = 100 })
        );
        Assert.Equal(
            "UPDATING MANUAL 180 175 100 POWER PCOIP,WSP UBUNTU_22_04",
            await ModifyAsync(new() { ComputeTypeName = "POWER" })
        );
        // The same sizes and type again change nothing of the desktop.
        Assert.Equal(
            "AVAILABLE MANUAL 180 175 100 POWER PCOIP,WSP UBUNTU_22_04",
            await ModifyAsync(
                new()
                {
                    RootVolumeSizeGib = 175,
                    UserVolumeSizeGib = 100,
                    ComputeTypeName = "POWER",
                }
            )
        );
        Assert.Equal("AVAILABLE", await w.StateAsync(id));

        var root = await RefusedAsync(
            ErrorCodes.InvalidParameterValues,
            () => ModifyAsync(new() { RootVolumeSizeGib = 174 })
        );
        Assert.Equal(
            "Invalid value for WorkspaceProperties.RootVolumeSizeGib: volumes can only grow: the root volume is "
                + "175 GiB.",
            root.Message
        );
        var user = await RefusedAsync(
            ErrorCodes.InvalidParameterValues,
            () => ModifyAsync(new() { UserVolumeSizeGib = 99 })
        );
        Assert.Equal(
            "Invalid value for WorkspaceProperties.UserVolumeSizeGib: volumes can only grow: the user volume is "
                + "100 GiB.",
            user.Message
        );
        var replicated = await RefusedAsync(
            ErrorCodes.UnsupportedWorkspaceConfiguration,
            () => w.Workspaces.ModifyAsync(ctx, new() { WorkspaceId = id, DataReplication = "PRIMARY_AS_SOURCE" })
        );
        Assert.Equal($"Data replication needs a standby WorkSpace, and WorkSpace {id} has none.", replicated.Message);
        await w.Workspaces.ModifyAsync(ctx, new() { WorkspaceId = id, DataReplication = "NO_REPLICATION" });
        Assert.Equal("AVAILABLE MANUAL 180 175 100 POWER PCOIP,WSP UBUNTU_22_04", Props(await RecordAsync(w, id)));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Modify_refuses_what_cannot_be_modified_now(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var id = await w.CreateAsync("alice");
        var ctx = w.Caller();
        Task Modify(string target) =>
            w.Workspaces.ModifyAsync(
                ctx,
                new()
                {
                    WorkspaceId = target,
                    WorkspaceProperties = new() { UserVolumeSizeGib = 200 },
                }
            );
        var pending = await RefusedAsync(ErrorCodes.InvalidResourceState, () => Modify(id));
        Assert.Equal(
            $"The WorkSpace {id} is PENDING; its properties can be modified when it is AVAILABLE or STOPPED.",
            pending.Message
        );
        await w.AdvanceAsync(Transition);
        await Modify(id);
        var busy = await RefusedAsync(ErrorCodes.OperationInProgress, () => Modify(id));
        Assert.Equal(
            $"The properties of WorkSpace {id} are currently being modified. Try again in a moment.",
            busy.Message
        );
        await w.Workspaces.TerminateAsync(ctx, new() { TerminateWorkspaceRequests = One(id) });
        var gone = await RefusedAsync(ErrorCodes.ResourceUnavailable, () => Modify(id));
        Assert.Equal(
            ($"The WorkSpace {id} is TERMINATING and no longer available.", id),
            (gone.Message, gone.ResourceId)
        );
        var missing = await RefusedAsync(ErrorCodes.ResourceNotFound, () => Modify("ws-000000000"));
        Assert.Equal(
            ("The WorkSpace ws-000000000 could not be found.", "ws-000000000"),
            (missing.Message, missing.ResourceId)
        );
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Maintenance_is_entered_from_AVAILABLE_and_left_to_it(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var id = await w.CreateAsync("alice", "AUTO_STOP");
        var ctx = w.Caller();
        Task Put(string state, string target = "") =>
            w.Workspaces.ModifyStateAsync(
                ctx,
                new() { WorkspaceId = target == "" ? id : target, WorkspaceState = state }
            );
        var early = await RefusedAsync(ErrorCodes.InvalidResourceState, () => Put("ADMIN_MAINTENANCE"));
        Assert.Equal(
            $"The WorkSpace {id} is PENDING; it can be put in ADMIN_MAINTENANCE only from AVAILABLE.",
            early.Message
        );
        var back = await RefusedAsync(ErrorCodes.InvalidResourceState, () => Put("AVAILABLE"));
        Assert.Equal(
            $"The WorkSpace {id} is PENDING; it can be put in AVAILABLE only from ADMIN_MAINTENANCE.",
            back.Message
        );
        await w.AdvanceAsync(Transition);
        Assert.Equal(1, await QueuedAsync(w, TransitionKind.AutoStop));
        await Put("AVAILABLE");
        await Put("ADMIN_MAINTENANCE");
        Assert.Equal("ADMIN_MAINTENANCE", await w.StateAsync(id));
        Assert.Equal(0, await QueuedAsync(w, TransitionKind.AutoStop));
        await w.AdvanceAsync(TimeSpan.FromHours(2));
        await Put("ADMIN_MAINTENANCE");
        Assert.Equal("ADMIN_MAINTENANCE", await w.StateAsync(id));
        await Put("AVAILABLE");
        Assert.Equal(1, await QueuedAsync(w, TransitionKind.AutoStop));
        await w.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal("STOPPING", await w.StateAsync(id)); // away for over an hour already
        var missing = await RefusedAsync(ErrorCodes.ResourceNotFound, () => Put("AVAILABLE", "ws-000000000"));
        Assert.Equal(
            ("The WorkSpace ws-000000000 could not be found.", "ws-000000000"),
            (missing.Message, missing.ResourceId)
        );
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Restore_needs_a_restorable_state_and_a_snapshot(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var id = await w.CreateAsync("alice");
        var ctx = w.Caller();
        Task Restore(string target) => w.Workspaces.RestoreAsync(ctx, new() { WorkspaceId = target });
        var pending = await RefusedAsync(ErrorCodes.OperationNotSupported, () => Restore(id));
        Assert.Equal(
            (
                $"The WorkSpace {id} is PENDING; it can be restored when it is AVAILABLE, ERROR, UNHEALTHY or "
                    + "STOPPED.",
                "INVALID_STATE"
            ),
            (pending.Message, pending.Reason)
        );
        await w.AdvanceAsync(Transition);
        var none = await RefusedAsync(ErrorCodes.OperationNotSupported, () => Restore(id));
        Assert.Equal(
            ($"The WorkSpace {id} has no snapshot to restore from yet.", "NO_SNAPSHOT"),
            (none.Message, none.Reason)
        );
        Assert.Equal("AVAILABLE", await w.StateAsync(id));
        await w.AdvanceAsync(Transition);
        await Restore(id);
        Assert.Equal("RESTORING", await w.StateAsync(id));
        await w.AdvanceAsync(Transition);
        Assert.Equal("AVAILABLE", await w.StateAsync(id));
        var missing = await RefusedAsync(ErrorCodes.ResourceNotFound, () => Restore("ws-000000000"));
        Assert.Equal(
            ("The WorkSpace ws-000000000 could not be found.", "ws-000000000"),
            (missing.Message, missing.ResourceId)
        );

        await w.Workspaces.TerminateAsync(ctx, new() { TerminateWorkspaceRequests = One(id) });
        Assert.Single(await SnapshotsAsync(w, id)); // TERMINATING: still there
        await w.AdvanceAsync(Transition);
        foreach (var target in new[] { id, "ws-000000000" })
        {
            var ex = await RefusedAsync(
                ErrorCodes.ResourceNotFound,
                () => w.Workspaces.DescribeSnapshotsAsync(ctx, new() { WorkspaceId = target })
            );
            Assert.Equal(($"The WorkSpace {target} could not be found.", target), (ex.Message, ex.ResourceId));
            Assert.Equal(
                ErrorCodes.ResourceNotFound,
                (await RefusedAsync(ErrorCodes.ResourceNotFound, () => Restore(target))).Code
            );
        }
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Connections_are_recorded_only_for_an_available_workspace_of_the_account(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var id = await w.CreateAsync("alice", "AUTO_STOP");
        var early = await RefusedAsync(
            ErrorCodes.InvalidResourceState,
            () => w.Workspaces.RecordConnectionAsync(id, true)
        );
        Assert.Equal($"The WorkSpace {id} is PENDING; a user can connect only when it is AVAILABLE.", early.Message);
        var missing = await RefusedAsync(
            ErrorCodes.ResourceNotFound,
            () => w.Workspaces.RecordConnectionAsync("ws-000000000", false)
        );
        Assert.Equal("The WorkSpace ws-000000000 could not be found.", missing.Message);
        await w.AdvanceAsync(Transition);
        var stranger = w.Caller("111111111111");
        await RefusedAsync(
            ErrorCodes.ResourceNotFound,
            () => w.Workspaces.Connections.RecordConnectionAsync(Journal.Service, stranger, id, true)
        );
        var ws = await w.Workspaces.Connections.RecordConnectionAsync(Journal.Service, w.Caller(), id, true);
        var at = w.Lifecycle.Now;
        Assert.Equal(("CONNECTED", at, at), (ws.ConnectionState, ws.LastConnectedAt, ws.ConnectionCheckedAt));
        await w.AdvanceAsync(TimeSpan.FromMinutes(5));
        ws = await w.Workspaces.RecordConnectionAsync(id, false);
        var left = w.Lifecycle.Now;
        Assert.Equal(("DISCONNECTED", left, left), (ws.ConnectionState, ws.LastConnectedAt, ws.DisconnectedAt));
        await w.AdvanceAsync(TimeSpan.FromMinutes(5));
        ws = await w.Workspaces.RecordConnectionAsync(id, false);
        Assert.Equal(("DISCONNECTED", left, left), (ws.ConnectionState, ws.LastConnectedAt, ws.DisconnectedAt));
        Assert.Equal(w.Lifecycle.Now, ws.ConnectionCheckedAt);
    }
}
