using System.Net;
using System.Net.Sockets;
using Cubicle.Domain;
using Cubicle.Identity;
using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;
using static Cubicle.Tests.Steps;

namespace Cubicle.Tests;

/// <summary>
/// Where a new workspace can go: a host with room (local desktops run at most so many at once), a GPU for the
/// graphics types, a free address in the directory's subnets, a directory registered with WorkSpaces and active in
/// Directory Service, and for AD Connector directories a customer's directory that answers.
/// </summary>
public sealed class PlacementTests
{
    private static WorkspaceRequest Item(string user, string dir = DirectoryLoader.DemoDirectoryId) =>
        new()
        {
            DirectoryId = dir,
            UserName = user,
            BundleId = "wsb-al2std01",
            WorkspaceProperties = new() { RunningMode = "AUTO_STOP" },
        };

    private static (string? Code, string? Message)[] Outcomes(
        CreateWorkspacesResult r,
        params WorkspaceRequest[] items
    ) =>
        [
            .. items.Select(i =>
                r.FailedRequests!.FirstOrDefault(f => f.WorkspaceRequest == i) is { } f
                    ? (f.ErrorCode, f.ErrorMessage)
                    : ((string?)null, (string?)null)
            ),
        ];

    private static async Task LoadAsync(TestWorld w, string json)
    {
        var file = Path.Combine(w.Folder, "directories.json");
        await File.WriteAllTextAsync(file, json);
        await DirectoryLoader.LoadAsync(w.Db, file);
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_host_takes_as_many_desktops_as_it_has_room_for(string engine)
    {
        using var w = new TestWorld(new ScriptedProvider(capacity: 2), engine: engine);
        var ctx = w.Caller();
        var (alice, bob, carol) = (Item("alice"), Item("bob"), Item("carol"));
        var r = await w.Workspaces.CreateAsync(ctx, new() { Workspaces = [alice, bob, carol] });
        const string Full =
            "Host local runs at most 2 desktops at once and has no room for another (desktops: 2 of 2).";
        Assert.Equal(
            [(null, null), (null, null), (ErrorCodes.ItemInsufficientCapacity, Full)],
            Outcomes(r, alice, bob, carol)
        );
        var ids = r.PendingRequests!.Select(p => p.WorkspaceId!).ToList();
        await w.AdvanceAsync(TimeSpan.FromSeconds(5));
        Assert.All(ids, id => Assert.Equal("local", RecordAsync(w, id).Result.HostId));

        // Stopped desktops take no room: carol fits, then only one of the two can start again.
        Assert.Empty(
            (
                await w.Workspaces.StopAsync(
                    ctx,
                    new()
                    {
                        StopWorkspaceRequests = [.. ids.Select(i => new WorkspaceChangeRequest { WorkspaceId = i })],
                    }
                )
            ).FailedRequests
        );
        await w.AdvanceAsync(TimeSpan.FromSeconds(5));
        var third = await w.Workspaces.CreateAsync(ctx, new() { Workspaces = [carol] });
        Assert.Empty(third.FailedRequests!);
        var start = await w.Workspaces.StartAsync(
            ctx,
            new() { StartWorkspaceRequests = [.. ids.Select(i => new WorkspaceChangeRequest { WorkspaceId = i })] }
        );
        var refused = Assert.Single(start.FailedRequests);
        Assert.Equal(ids[1], refused.WorkspaceId);
        Assert.Equal(ErrorCodes.ItemInsufficientCapacity, refused.ErrorCode);
        Assert.Equal(
            $"{ids[1]} cannot be placed: Host local runs at most 2 desktops at once and has no room for another "
                + "(desktops: 2 of 2).",
            refused.ErrorMessage
        );
        Assert.Equal(["STARTING", "STOPPED"], [await w.StateAsync(ids[0]), await w.StateAsync(ids[1])]);

        // Signing in to a stopped desktop starts it only where there is room.
        var bobs = await RecordAsync(w, ids[1]);
        Assert.Equal("STOPPED", (await w.Workspaces.StartForSignInAsync(bobs.Seq))!.State);
        await w.AdvanceAsync(TimeSpan.FromSeconds(5));
        var stopped = await w.Workspaces.StopAsync(ctx, new() { StopWorkspaceRequests = One(ids[0]) });
        Assert.Empty(stopped.FailedRequests);
        Assert.Equal("STARTING", (await w.Workspaces.StartForSignInAsync(bobs.Seq))!.State);
        Assert.Equal("STARTING", await w.StateAsync(ids[1]));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Signing_in_starts_only_a_stopped_workspace_that_can_stop(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var auto = await w.CreateAsync("alice", "AUTO_STOP");
        var always = await w.CreateAsync("bob");
        await w.AdvanceAsync(TimeSpan.FromSeconds(5));
        Assert.Null(await w.Workspaces.StartForSignInAsync(987_654));
        var a = await RecordAsync(w, auto);
        Assert.Equal("AVAILABLE", (await w.Workspaces.StartForSignInAsync(a.Seq))!.State);
        await w.Workspaces.StopAsync(w.Caller(), new() { StopWorkspaceRequests = One(auto) });
        Assert.Equal("STOPPING", (await w.Workspaces.StartForSignInAsync(a.Seq))!.State);
        await w.AdvanceAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("STARTING", (await w.Workspaces.StartForSignInAsync(a.Seq))!.State);
        await w.AdvanceAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("AVAILABLE", await w.StateAsync(auto));

        // An ALWAYS_ON workspace found STOPPED (as an operator may leave it) is not started by a sign-in.
        var b = await RecordAsync(w, always);
        await w.Db.WriteAsync(
            Journal.Service,
            async u =>
            {
                b.State = WorkspaceState.Stopped;
                await u.Workspaces.SaveAsync(b);
                return 0;
            }
        );
        Assert.Equal("STOPPED", (await w.Workspaces.StartForSignInAsync(b.Seq))!.State);
        Assert.Equal(0, await QueuedAsync(w, TransitionKind.Start));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Graphics_types_need_a_host_with_a_GPU(string engine)
    {
        using var w = new TestWorld(new ScriptedProvider(gpu: false), engine: engine);
        var graphics = Item("alice");
        graphics.WorkspaceProperties!.ComputeTypeName = "GRAPHICS_G4DN";
        var plain = Item("bob");
        var r = await w.Workspaces.CreateAsync(w.Caller(), new() { Workspaces = [graphics, plain] });
        Assert.Equal(
            [
                (
                    ErrorCodes.ItemUnsupportedConfiguration,
                    "The desktops of this service have no GPU: GRAPHICS_G4DN cannot be given."
                ),
                (null, null),
            ],
            Outcomes(r, graphics, plain)
        );
        var id = r.PendingRequests![0].WorkspaceId!;
        await w.AdvanceAsync(TimeSpan.FromSeconds(5));
        var ex = await RefusedAsync(
            ErrorCodes.UnsupportedWorkspaceConfiguration,
            () =>
                w.Workspaces.ModifyAsync(
                    w.Caller(),
                    new()
                    {
                        WorkspaceId = id,
                        WorkspaceProperties = new() { ComputeTypeName = "GRAPHICSPRO" },
                    }
                )
        );
        Assert.Equal("The desktops of this service have no GPU: GRAPHICSPRO cannot be given.", ex.Message);
        Assert.Equal("AVAILABLE", await w.StateAsync(id));
        Assert.Equal(
            1,
            await w.Db.WriteAsync(Journal.Service, u => u.Workspaces.LockAccountAsync(w.Caller().AccountId))
        );
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Workspaces_go_where_their_directory_has_addresses_and_is_usable(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var users = Enumerable.Range(0, 12).Select(i => $"u{i:00}").ToList();
        var names = string.Join(",", users.Select(u => $"\"{u}\""));
        await LoadAsync(
            w,
            $$"""
            {"Directories": [
              {"DirectoryId": "d-1111111111", "SubnetIds": [], "Users": ["alice"]},
              {"DirectoryId": "d-2222222222", "State": "DEREGISTERING", "Users": ["alice"]},
              {"DirectoryId": "d-3333333333", "SubnetIds": ["subnet-33333333"],
               "SubnetCidrs": {"subnet-33333333": "10.33.0.0/28"}, "Users": [{{names}}]},
              {"DirectoryId": "d-4444444444", "Users": ["alice"]},
              {"DirectoryId": "d-5555555555", "Users": ["alice"]},
              {"DirectoryId": "d-6666666666", "Users": ["alice"]}
            ]}
            """
        );
        await w.Db.WriteAsync(
            Journal.Service,
            async u =>
            {
                var deleting = (await u.DsDirectories.GetAsync("000000000000", "us-east-1", "d-4444444444"))!;
                deleting.Stage = "Deleting";
                await u.DsDirectories.UpdateAsync(deleting);
                var impaired = (await u.DsDirectories.GetAsync("000000000000", "us-east-1", "d-6666666666"))!;
                impaired.Stage = "Impaired";
                await u.DsDirectories.UpdateAsync(impaired);
                var gone = (await u.DsDirectories.GetAsync("000000000000", "us-east-1", "d-5555555555"))!;
                await u.DsDirectories.DeleteAsync(gone.Seq);
                return 0;
            }
        );
        WorkspaceRequest[] items =
        [
            Item("alice", "d-1111111111"),
            Item("alice", "d-2222222222"),
            Item("alice", "d-4444444444"),
            Item("alice", "d-5555555555"),
            Item("alice", "d-6666666666"),
        ];
        var r = await w.Workspaces.CreateAsync(w.Caller(), new() { Workspaces = [.. items] });
        Assert.Equal(
            [
                (ErrorCodes.ItemSubnetFull, "The subnets of directory d-1111111111 have no free IP address left."),
                (
                    ErrorCodes.ItemDirectoryState,
                    "The directory d-2222222222 is DEREGISTERING, not REGISTERED with WorkSpaces."
                ),
                (ErrorCodes.ItemDirectoryState, "The directory d-4444444444 is Deleting in Directory Service."),
                (ErrorCodes.ItemDirectoryState, "The directory d-5555555555 is gone in Directory Service."),
                (null, null),
            ],
            Outcomes(r, items)
        );

        // A /28 holds 11 workspaces: the 12th finds no address.
        var many = users.Select(u => Item(u, "d-3333333333")).ToArray();
        var filled = await w.Workspaces.CreateAsync(w.Caller(), new() { Workspaces = [.. many] });
        Assert.Equal(11, filled.PendingRequests!.Count);
        Assert.Equal(
            Enumerable.Range(4, 11).Select(i => $"10.33.0.{i}").Order(),
            filled.PendingRequests.Select(p => p.IpAddress!).Order()
        );
        Assert.All(filled.PendingRequests, p => Assert.Equal("subnet-33333333", p.SubnetId));
        var full = Assert.Single(filled.FailedRequests!);
        Assert.Equal((ErrorCodes.ItemSubnetFull, "u11"), (full.ErrorCode, full.WorkspaceRequest!.UserName));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_user_is_one_per_directory_whatever_the_names_spell_together(string engine)
    {
        using var w = new TestWorld(engine: engine);
        await LoadAsync(
            w,
            """
            {"Directories": [
              {"DirectoryId": "d-1111111111", "Users": ["2alice"]},
              {"DirectoryId": "d-11111111112", "Users": ["alice"]}
            ]}
            """
        );
        WorkspaceRequest[] items = [Item("2alice", "d-1111111111"), Item("alice", "d-11111111112")];
        var r = await w.Workspaces.CreateAsync(w.Caller(), new() { Workspaces = [.. items] });
        Assert.Empty(r.FailedRequests!);
        Assert.Equal(["2alice", "alice"], r.PendingRequests!.Select(p => p.UserName));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task An_AD_Connector_directory_that_does_not_answer_refuses_its_items_only(string engine)
    {
        using var w = new TestWorld(engine: engine);
        await LoadAsync(
            w,
            """{"Directories": [{"DirectoryId": "d-7777777777", "DirectoryType": "AD_CONNECTOR", "Users": []}]}"""
        );
        await w.Db.WriteAsync(
            Journal.Service,
            async u =>
            {
                var ds = (await u.DsDirectories.GetAsync("000000000000", "us-east-1", "d-7777777777"))!;
                ds.CustomerDnsIps = "127.0.0.1";
                await u.DsDirectories.UpdateAsync(ds);
                return 0;
            }
        );
        // Nothing listens on the port the connector is given.
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var users = new DirectoryUsers(
            w.Db,
            new LdapConnector(new LdapOptions { Port = port, Timeout = TimeSpan.FromSeconds(5) }, TestWorld.Master)
        );
        var service = new WorkspaceCreation(
            w.Db,
            new BundleCatalog(),
            w.Lifecycle,
            w.Options,
            w.Provider,
            w.Node,
            users
        );
        WorkspaceRequest[] items = [Item("alice", "d-7777777777"), Item("Bob", "d-7777777777"), Item("alice")];
        var r = await service.CreateAsync(w.Caller(), new() { Workspaces = [.. items] });
        Assert.Equal(2, r.FailedRequests!.Count);
        foreach (var (item, f) in items.Take(2).Zip(r.FailedRequests))
        {
            Assert.Same(item, f.WorkspaceRequest);
            Assert.Equal(ErrorCodes.ItemDirectoryState, f.ErrorCode);
            Assert.StartsWith(
                "The directory d-7777777777 cannot reach its LDAP servers: the LDAP servers of d-7777777777 did "
                    + "not answer",
                f.ErrorMessage
            );
        }
        Assert.Equal("alice", Assert.Single(r.PendingRequests!).UserName);
    }
}
