using Cubicle.Cluster;
using Cubicle.Domain;
using Cubicle.Protocol;
using Cubicle.Services.Admin;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;
using static Cubicle.Tests.Steps;

namespace Cubicle.Tests;

/// <summary>
/// A host's memory and disk as placements take them (<see cref="HostCapacity"/>): taken in the transaction that
/// acknowledges the change, so that concurrent creates from two nodes never pass a limit together; what does not
/// fit is refused at the call, naming the resource, with nothing made.
/// </summary>
public sealed class CapacityPlacementTests
{
    private const long GiB = HostShare.GiB;
    private const int Accounts = 20;

    private static string Account(int i) => $"1000000000{i:00}";

    private static string Directory(int i) => $"d-90000000{i:00}";

    /// <summary>A world whose host has the capacity given, and 20 accounts with a directory each.</summary>
    private static async Task<TestWorld> WorldAsync(string engine, HostCapacity measured)
    {
        var provider = new ScriptedProvider(capacity: 20) { Measured = measured };
        var w = new TestWorld(provider, engine: engine);
        var directories = Enumerable
            .Range(0, Accounts)
            .Select(i =>
                $$"""{"DirectoryId": "{{Directory(i)}}", "AccountId": "{{Account(i)}}", "DirectoryType": "SIMPLE_AD","""
                + """ "SubnetIds": ["subnet-0a1b2c3d"], "Users": ["alice"]}"""
            );
        var file = Path.Combine(w.Folder, "directories.json");
        await File.WriteAllTextAsync(file, $$"""{"Directories": [{{string.Join(",", directories)}}]}""");
        await DirectoryLoader.LoadAsync(w.Db, file);
        return w;
    }

    private static HostCapacity Roomy => new("local", 20, 1L << 50, 1L << 50, 1L << 45, 1, 0, 1);

    private static CreateWorkspacesRequest Standard(int i, string user = "alice") =>
        new()
        {
            Workspaces =
            [
                new()
                {
                    DirectoryId = Directory(i),
                    UserName = user,
                    BundleId = "wsb-al2std01",
                    WorkspaceProperties = new() { RunningMode = "AUTO_STOP" },
                },
            ],
        };

    /// <summary>One Standard workspace for each of the 20 accounts, at once, half through each of two nodes placing
    /// on the same host; what each call answered.</summary>
    private static async Task<CreateWorkspacesResult[]> CreateConcurrentlyAsync(TestWorld w)
    {
        var other = w.OtherNode("local").Workspaces;
        using var start = new ManualResetEventSlim();
        var calls = Enumerable
            .Range(0, Accounts)
            .Select(i =>
                Task.Run(() =>
                {
                    start.Wait();
                    var node = i % 2 == 0 ? w.Workspaces : other;
                    return node.CreateAsync(w.Caller(Account(i)), Standard(i));
                })
            )
            .ToList();
        start.Set();
        return await Task.WhenAll(calls);
    }

    private static async Task AssertHeldAsync(TestWorld w, CreateWorkspacesResult[] results, int fit, string resource)
    {
        Assert.Equal(fit, results.Count(r => r.PendingRequests!.Count == 1));
        var refused = results.SelectMany(r => r.FailedRequests!).ToList();
        Assert.Equal(Accounts - fit, refused.Count);
        Assert.All(refused, f => Assert.Equal(ErrorCodes.ItemInsufficientCapacity, f.ErrorCode));
        Assert.All(refused, f => Assert.Contains($"({resource}: ", f.ErrorMessage));
        // Nothing half-made: the host holds exactly the acknowledged ones, and the refused accounts hold none.
        var load = await w.Db.ReadAsync(u => HostLoads.LoadAsync(u, "local"));
        Assert.Equal(new HostLoad(fit, fit * 4 * GiB, fit * 50 * GiB), load);
        for (var i = 0; i < Accounts; i++)
        {
            var listed = await w.Workspaces.DescribeAsync(w.Caller(Account(i)), new());
            Assert.Equal(results[i].PendingRequests!.Count, listed.Workspaces!.Count);
        }
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Concurrent_creates_over_two_nodes_never_promise_more_memory_than_stated(string engine)
    {
        // 28 GiB at 1:1 hold 7 Standard desktops (4 GiB each).
        using var w = await WorldAsync(engine, Roomy with { MemoryBytes = 28 * GiB });
        await AssertHeldAsync(w, await CreateConcurrentlyAsync(w), 7, "memory");
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Concurrent_creates_over_two_nodes_never_promise_more_disk_than_stated(string engine)
    {
        // 101 GiB less the 1 GiB kept, at 2.5:1, hold five 50 GiB user volumes.
        var disk = Roomy with
        {
            DiskBytes = 101 * GiB,
            DiskFreeBytes = 101 * GiB,
            DiskRatio = 2.5,
        };
        using var w = await WorldAsync(engine, disk);
        await AssertHeldAsync(w, await CreateConcurrentlyAsync(w), 5, "disk");
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Below_the_disk_reserve_what_writes_is_refused_and_running_desktops_run_on(string engine)
    {
        using var w = await WorldAsync(engine, Roomy);
        var first = (await w.Workspaces.CreateAsync(w.Caller(Account(0)), Standard(0))).PendingRequests![0];
        await w.AdvanceAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("AVAILABLE", await w.StateAsync(first.WorkspaceId!));

        // Tenants filled their volumes: 0.5 GiB free of 100, where 10 are kept.
        ((ScriptedProvider)w.Provider).Measured = Roomy with
        {
            DiskBytes = 100 * GiB,
            DiskFreeBytes = GiB / 2,
            DiskReservePercent = 10,
        };
        await w.BeatAsync();
        var created = await w.Workspaces.CreateAsync(w.Caller(Account(1)), Standard(1));
        var refused = Assert.Single(created.FailedRequests!);
        Assert.Equal(ErrorCodes.ItemInsufficientCapacity, refused.ErrorCode);
        Assert.Equal(
            "The disk of host local is below its reserve (disk: 0.5 GiB free, 10 GiB kept): no volume is made, "
                + "grown or restored until space is freed.",
            refused.ErrorMessage
        );
        Assert.Empty((await w.Workspaces.DescribeAsync(w.Caller(Account(1)), new())).Workspaces!);

        var ctx = w.Caller(Account(0));
        var rebuild = await w.Workspaces.RebuildAsync(
            ctx,
            new() { RebuildWorkspaceRequests = [new() { WorkspaceId = first.WorkspaceId }] }
        );
        Assert.Equal(ErrorCodes.ItemInsufficientCapacity, Assert.Single(rebuild.FailedRequests!).ErrorCode);
        var grow = await Assert.ThrowsAsync<ApiException>(() =>
            w.Workspaces.ModifyAsync(
                ctx,
                new()
                {
                    WorkspaceId = first.WorkspaceId,
                    WorkspaceProperties = new() { UserVolumeSizeGib = 100 },
                }
            )
        );
        Assert.Equal(ErrorCodes.ResourceUnavailable, grow.Code);
        Assert.Contains("below its reserve", grow.Message);
        var admin = new AdminApi(
            new WorkspaceConnections(w.Db, w.Lifecycle),
            w.Db,
            w.Clock,
            w.Lifecycle,
            new HostDescriptions(w.Db, w.Clock)
        );
        var snapshot = await Assert.ThrowsAsync<ApiException>(() =>
            admin.CreateSnapshotAsync(ctx, new() { WorkspaceId = first.WorkspaceId })
        );
        Assert.Equal(ErrorCodes.ResourceUnavailable, snapshot.Code);
        Assert.Equal(
            $"No snapshot of {first.WorkspaceId} is taken: the disk of host local is below its reserve (0.5 GiB "
                + "free, 10 GiB kept).",
            snapshot.Message
        );
        // The running desktop runs on; a reboot writes nothing and goes through.
        Assert.Equal("AVAILABLE", await w.StateAsync(first.WorkspaceId!));
        Assert.Empty(
            (
                await w.Workspaces.RebootAsync(ctx, new() { RebootWorkspaceRequests = One(first.WorkspaceId!) })
            ).FailedRequests
        );
        Assert.Equal(50, (await RecordAsync(w, first.WorkspaceId!)).UserVolumeSizeGib);
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_larger_compute_type_takes_memory_while_its_desktop_runs(string engine)
    {
        // 10 GiB: two Standard desktops (8 GiB), and no room to make one of them Performance (8 GiB).
        using var w = await WorldAsync(engine, Roomy with { MemoryBytes = 10 * GiB });
        var a = (await w.Workspaces.CreateAsync(w.Caller(Account(0)), Standard(0))).PendingRequests![0].WorkspaceId!;
        Assert.Single((await w.Workspaces.CreateAsync(w.Caller(Account(1)), Standard(1))).PendingRequests!);
        await w.AdvanceAsync(TimeSpan.FromSeconds(5));
        var ctx = w.Caller(Account(0));
        var modify = new ModifyWorkspacePropertiesRequest
        {
            WorkspaceId = a,
            WorkspaceProperties = new() { ComputeTypeName = "PERFORMANCE" },
        };
        var refused = await Assert.ThrowsAsync<ApiException>(() => w.Workspaces.ModifyAsync(ctx, modify));
        Assert.Equal(ErrorCodes.ResourceUnavailable, refused.Code);
        Assert.Contains("(memory: 8 GiB promised of 10 GiB", refused.Message);
        Assert.Equal("STANDARD", (await RecordAsync(w, a)).ComputeTypeName);

        // Stopped, it takes no memory: the change is made, and the start is what is refused.
        Assert.Empty((await w.Workspaces.StopAsync(ctx, new() { StopWorkspaceRequests = One(a) })).FailedRequests);
        await w.AdvanceAsync(TimeSpan.FromSeconds(5));
        await w.Workspaces.ModifyAsync(ctx, modify);
        await w.AdvanceAsync(TimeSpan.FromSeconds(5));
        var start = await w.Workspaces.StartAsync(ctx, new() { StartWorkspaceRequests = One(a) });
        Assert.Contains("(memory: 4 GiB promised of 10 GiB", Assert.Single(start.FailedRequests).ErrorMessage);
    }
}
