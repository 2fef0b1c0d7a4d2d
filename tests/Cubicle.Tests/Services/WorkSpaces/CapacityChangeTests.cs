using Cubicle.Domain;
using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;
using static Cubicle.Tests.Steps;

namespace Cubicle.Tests;

/// <summary>What changes of existing workspaces take of their host: a larger volume its growth only, a larger
/// compute type its extra memory only, a restore a fresh volume; and a host that never reported takes nothing.
/// </summary>
public sealed class CapacityChangeTests
{
    private const long GiB = HostShare.GiB;

    private static HostCapacity Host(long memoryGiB = 1024, long diskGiB = 1 << 20) =>
        new("local", 20, diskGiB * GiB + GiB, diskGiB * GiB + GiB, memoryGiB * GiB, 1, 0, 1);

    private static async Task<(TestWorld World, string Id)> WorldAsync(
        string engine,
        HostCapacity host,
        string mode = "ALWAYS_ON"
    )
    {
        var w = new TestWorld(new ScriptedProvider(capacity: 20) { Measured = host }, engine: engine);
        var id = await w.CreateAsync("alice", mode, mode == "AUTO_STOP" ? 60 : null);
        await w.AdvanceAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("AVAILABLE", await w.StateAsync(id));
        return (w, id);
    }

    private static Task ModifyAsync(TestWorld w, string id, WorkspaceProperties p) =>
        w.Workspaces.ModifyAsync(w.Caller(), new() { WorkspaceId = id, WorkspaceProperties = p });

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_larger_volume_takes_its_growth_only(string engine)
    {
        // 60 GiB of disk: alice's 50 GiB volume may grow by 10, not by 20.
        var (w, id) = await WorldAsync(engine, Host(diskGiB: 60));
        using var world = w;
        await ModifyAsync(w, id, new() { UserVolumeSizeGib = 60 });
        await w.AdvanceAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(60, (await RecordAsync(w, id)).UserVolumeSizeGib);
        var refused = await Assert.ThrowsAsync<ApiException>(() =>
            ModifyAsync(w, id, new() { UserVolumeSizeGib = 70 })
        );
        Assert.Equal((ErrorCodes.ResourceUnavailable, id), (refused.Code, refused.ResourceId));
        Assert.Equal(
            $"{id} cannot be modified: Host local has no disk left to promise a 10 GiB volume (disk: 60 GiB "
                + "promised of 60 GiB, 1 times the 60 GiB its volumes can use).",
            refused.Message
        );
        Assert.Equal(("AVAILABLE", 60), (await w.StateAsync(id), (await RecordAsync(w, id)).UserVolumeSizeGib));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_larger_compute_type_takes_its_extra_memory_only(string engine)
    {
        // 8 GiB: alice's Standard desktop (4 GiB) may become Performance (8 GiB), not Power (16 GiB).
        var (w, id) = await WorldAsync(engine, Host(memoryGiB: 8));
        using var world = w;
        await ModifyAsync(w, id, new() { ComputeTypeName = "PERFORMANCE" });
        await w.AdvanceAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("PERFORMANCE", (await RecordAsync(w, id)).ComputeTypeName);
        var refused = await Assert.ThrowsAsync<ApiException>(() =>
            ModifyAsync(w, id, new() { ComputeTypeName = "POWER" })
        );
        Assert.Contains("no memory left to promise 8 GiB more (memory: 8 GiB promised of 8 GiB", refused.Message);
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_restore_below_the_disk_reserve_is_refused_at_the_call(string engine)
    {
        var (w, id) = await WorldAsync(engine, Host());
        using var world = w;
        await w.AdvanceAsync(TimeSpan.FromHours(13)); // a snapshot to restore from
        ((ScriptedProvider)w.Provider).Measured = Host() with { DiskBytes = 100 * GiB, DiskFreeBytes = GiB / 2 };
        await w.BeatAsync();
        var refused = await Assert.ThrowsAsync<ApiException>(() =>
            w.Workspaces.RestoreAsync(w.Caller(), new() { WorkspaceId = id })
        );
        Assert.Equal((ErrorCodes.OperationNotSupported, "INSUFFICIENT_CAPACITY"), (refused.Code, refused.Reason));
        Assert.Equal(
            $"{id} cannot be restored: The disk of host local is below its reserve (disk: 0.5 GiB free, 1 GiB "
                + "kept): no volume is made, grown or restored until space is freed.",
            refused.Message
        );
        Assert.Equal("AVAILABLE", await w.StateAsync(id));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task On_a_host_that_never_reported_nothing_is_placed_and_nothing_else_is_held_up(string engine)
    {
        var (w, id) = await WorldAsync(engine, Host(), "AUTO_STOP");
        using var world = w;
        Assert.Empty(
            (await w.Workspaces.StopAsync(w.Caller(), new() { StopWorkspaceRequests = One(id) })).FailedRequests
        );
        await w.AdvanceAsync(TimeSpan.FromSeconds(5));
        await w.Db.WriteAsync(
            Journal.Service,
            async u =>
            {
                var ws = (await u.Workspaces.GetByIdAsync(id))!;
                ws.HostId = "gone";
                await u.Workspaces.SaveAsync(ws);
                return 0;
            }
        );
        // A change that takes nothing of the host goes through.
        await ModifyAsync(w, id, new() { RunningModeAutoStopTimeoutInMinutes = 120 });
        Assert.Equal(120, (await RecordAsync(w, id)).AutoStopTimeout);
        var start = await w.Workspaces.StartAsync(w.Caller(), new() { StartWorkspaceRequests = One(id) });
        Assert.Equal(
            $"{id} cannot be placed: Host gone has not reported its capacity: no desktop is placed there.",
            Assert.Single(start.FailedRequests).ErrorMessage
        );
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_create_takes_the_user_volume_it_asks_for(string engine)
    {
        // 30 GiB of disk: a Standard workspace fits with a 10 GiB user volume, not with the bundle's 50.
        using var w = new TestWorld(
            new ScriptedProvider(capacity: 20) { Measured = Host(diskGiB: 30) },
            engine: engine
        );
        WorkspaceRequest Item(string user, int? gib) =>
            new()
            {
                DirectoryId = DirectoryLoader.DemoDirectoryId,
                UserName = user,
                BundleId = "wsb-al2std01",
                WorkspaceProperties = new() { UserVolumeSizeGib = gib },
            };
        var r = await w.Workspaces.CreateAsync(
            w.Caller(),
            new() { Workspaces = [Item("alice", 10), Item("bob", null)] }
        );
        Assert.Equal("alice", Assert.Single(r.PendingRequests!).UserName);
        Assert.Contains(
            "a 50 GiB volume (disk: 10 GiB promised of 30 GiB",
            Assert.Single(r.FailedRequests!).ErrorMessage
        );
    }
}
