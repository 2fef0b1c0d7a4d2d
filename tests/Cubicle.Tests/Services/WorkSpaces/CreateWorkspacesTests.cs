using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using static Cubicle.Tests.Steps;

namespace Cubicle.Tests;

/// <summary>
/// CreateWorkspaces item by item: what a new workspace is made of (the bundle's defaults, or what the request says),
/// and each refused item in FailedRequests with its code and message, while the others of the batch are created.
/// </summary>
public sealed class CreateWorkspacesTests
{
    private const string Dir = DirectoryLoader.DemoDirectoryId;
    private static readonly string[] DemoSubnets = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"];

    private static WorkspaceRequest Item(string user, string bundle = "wsb-al2std01", WorkspaceProperties? p = null) =>
        new()
        {
            DirectoryId = Dir,
            UserName = user,
            BundleId = bundle,
            WorkspaceProperties = p,
        };

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_workspace_takes_its_bundles_defaults_unless_the_request_says_otherwise(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var plain = Item("alice");
        plain.VolumeEncryptionKey = "";
        var windows = Item("bob", "wsb-w22std01", new() { RunningMode = "AUTO_STOP" });
        var custom = Item(
            "carol",
            "wsb-al2val01",
            new()
            {
                RunningMode = "MANUAL",
                RootVolumeSizeGib = 175,
                UserVolumeSizeGib = 120,
                ComputeTypeName = "POWER",
                Protocols = ["WSP", "PCOIP"],
                OperatingSystemName = "UBUNTU_22_04",
            }
        );
        custom.RootVolumeEncryptionEnabled = true;
        custom.UserVolumeEncryptionEnabled = true;
        custom.VolumeEncryptionKey = "arn:aws:kms:us-east-1:000000000000:key/desks";
        custom.WorkspaceName = "carols-desk";
        var timed = Item("dave", p: new() { RunningMode = "AUTO_STOP", RunningModeAutoStopTimeoutInMinutes = 180 });
        var r = await w.Workspaces.CreateAsync(w.Caller(), new() { Workspaces = [plain, windows, custom, timed] });
        Assert.Empty(r.FailedRequests!);
        Assert.Equal(["alice", "bob", "carol", "dave"], r.PendingRequests!.Select(p => p.UserName));
        Assert.Equal(4, r.PendingRequests!.Select(p => p.WorkspaceId).Distinct().Count());
        Assert.Equal(4, r.PendingRequests!.Select(p => p.IpAddress).Distinct().Count());
        foreach (var ws in r.PendingRequests!)
        {
            Assert.Equal(("PENDING", Dir), (ws.State, ws.DirectoryId));
            Assert.Matches("^ws-[0-9a-z]{9}$", ws.WorkspaceId);
            Assert.Matches("^WSAMZN-[0-9A-Z]{8}$", ws.ComputerName);
            Assert.Contains(ws.SubnetId, DemoSubnets);
            Assert.NotNull(ws.IpAddress);
        }
        var (a, b, c, d) = (r.PendingRequests[0], r.PendingRequests[1], r.PendingRequests[2], r.PendingRequests[3]);
        static string Props(Workspace ws)
        {
            var p = ws.WorkspaceProperties!;
            return $"{p.RunningMode} {p.RunningModeAutoStopTimeoutInMinutes?.ToString() ?? "-"} {p.RootVolumeSizeGib} "
                + $"{p.UserVolumeSizeGib} {p.ComputeTypeName} {string.Join("+", p.Protocols!)} "
                + $"{p.OperatingSystemName} "
                + $"{ws.RootVolumeEncryptionEnabled} {ws.UserVolumeEncryptionEnabled} {ws.VolumeEncryptionKey ?? "-"} "
                + $"{ws.WorkspaceName ?? "-"} {ws.BundleId}";
        }
        Assert.Equal("ALWAYS_ON - 80 50 STANDARD WSP AMAZON_LINUX_2 False False - - wsb-al2std01", Props(a));
        Assert.Equal("AUTO_STOP 60 80 50 STANDARD PCOIP WINDOWS_SERVER_2022 False False - - wsb-w22std01", Props(b));
        Assert.Equal(
            "MANUAL - 175 120 POWER WSP+PCOIP UBUNTU_22_04 True True arn:aws:kms:us-east-1:000000000000:key/desks "
                + "carols-desk wsb-al2val01",
            Props(c)
        );
        Assert.Equal("AUTO_STOP 180 80 50 STANDARD WSP AMAZON_LINUX_2 False False - - wsb-al2std01", Props(d));

        // DescribeWorkspaces shows the same.
        using var described = await w.Workspaces.DescribeAsync(w.Caller(), new() { WorkspaceIds = [c.WorkspaceId!] });
        var raw = Assert.Single(described.Workspaces!).Utf8.ToArray();
        var json = System.Text.Json.JsonDocument.Parse(raw).RootElement;
        Assert.Equal("carols-desk", json.GetProperty("WorkspaceName").GetString());
        Assert.Equal("POWER", json.GetProperty("WorkspaceProperties").GetProperty("ComputeTypeName").GetString());
        Assert.Equal(
            4,
            await w.Db.WriteAsync(Storage.Journal.Service, u => u.Workspaces.LockAccountAsync(w.Caller().AccountId))
        );
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Each_refused_item_says_why_and_the_rest_are_created(string engine)
    {
        using var w = new TestWorld(engine: engine);
        await w.CreateAsync("erin");
        var tags51 = Enumerable.Range(0, 51).Select(i => new Tag { Key = $"k{i}", Value = "v" }).ToList();
        var tags50 = Enumerable.Range(0, 51).Select(i => new Tag { Key = $"k{i % 50}", Value = "v" }).ToList();
        var tagged = Item("carol");
        tagged.Tags = tags51;
        var fine = Item("dave");
        fine.Tags = tags50;
        WorkspaceRequest[] items =
        [
            Item("alice", p: new() { RunningModeAutoStopTimeoutInMinutes = 120 }),
            Item("alice", p: new() { RunningMode = "MANUAL", RunningModeAutoStopTimeoutInMinutes = 60 }),
            Item("alice", "wsb-nothere01"),
            new()
            {
                DirectoryId = "d-0000000000",
                UserName = "alice",
                BundleId = "wsb-al2std01",
            },
            Item("zed"),
            tagged,
            Item("erin"),
            Item("bob"),
            Item("bob"),
            fine,
        ];
        var r = await w.Workspaces.CreateAsync(w.Caller(), new() { Workspaces = [.. items] });
        var failed = r.FailedRequests!.Select(f => (f.WorkspaceRequest, f.ErrorCode, f.ErrorMessage)).ToList();
        Assert.Equal(
            [
                (
                    items[0],
                    ErrorCodes.ItemAutoStopTimeoutNotApplicable,
                    "RunningModeAutoStopTimeoutInMinutes applies only to AUTO_STOP WorkSpaces, not to ALWAYS_ON ones."
                ),
                (
                    items[1],
                    ErrorCodes.ItemAutoStopTimeoutNotApplicable,
                    "RunningModeAutoStopTimeoutInMinutes applies only to AUTO_STOP WorkSpaces, not to MANUAL ones."
                ),
                (items[2], ErrorCodes.ItemBundleNotFound, "The bundle wsb-nothere01 could not be found."),
                (
                    items[3],
                    ErrorCodes.ItemDirectoryNotFound,
                    "The directory d-0000000000 could not be found in account 000000000000, region us-east-1."
                ),
                (items[4], ErrorCodes.ItemUserNotFound, $"The user zed could not be found in the directory {Dir}."),
                (items[5], ErrorCodes.ResourceLimitExceeded, "A WorkSpace can have at most 50 tags."),
                (
                    items[6],
                    ErrorCodes.ItemWorkspaceExists,
                    $"The user erin already has a WorkSpace in directory {Dir}."
                ),
                (items[8], ErrorCodes.ItemWorkspaceExists, $"The user bob already has a WorkSpace in directory {Dir}."),
            ],
            failed
        );
        Assert.Equal(["bob", "dave"], r.PendingRequests!.Select(p => p.UserName));
        var daves = r.PendingRequests![1].WorkspaceId!;
        var tags = await w.Db.ReadAsync(u => u.Tags.GetAsync(w.Caller().AccountId, "us-east-1", daves));
        Assert.Equal(50, tags.Count);
        Assert.Equal(
            3,
            await w.Db.WriteAsync(Storage.Journal.Service, u => u.Workspaces.LockAccountAsync(w.Caller().AccountId))
        );
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task The_quota_counts_the_accepted_items_only(string engine)
    {
        using var w = new TestWorld(quota: 2, engine: engine);
        await w.CreateAsync("alice");
        var over = await RefusedAsync(
            ErrorCodes.ResourceLimitExceeded,
            () => w.Workspaces.CreateAsync(w.Caller(), new() { Workspaces = [Item("bob"), Item("carol"), Item("zed")] })
        );
        Assert.Equal(
            "Your resource limits have been exceeded: account 000000000000 may hold 2 WorkSpaces, holds 1, and this "
                + "request asks for 2 more.",
            over.Message
        );
        Assert.Equal(
            1,
            await w.Db.WriteAsync(Storage.Journal.Service, u => u.Workspaces.LockAccountAsync(w.Caller().AccountId))
        );
        await w.CreateAsync("bob");
        // At the quota, a request whose items are all refused anyway answers with its refusals.
        var refused = await w.Workspaces.CreateAsync(w.Caller(), new() { Workspaces = [Item("zed"), Item("bob")] });
        Assert.Equal(
            [ErrorCodes.ItemUserNotFound, ErrorCodes.ItemWorkspaceExists],
            refused.FailedRequests!.Select(f => f.ErrorCode)
        );
        Assert.Empty(refused.PendingRequests!);
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_policy_judges_each_item_by_its_directory_and_its_bundle(string engine)
    {
        using var w = new TestWorld(engine: engine);
        const string Create = "workspaces:CreateWorkspaces";
        const string Arn = "arn:aws:workspaces:us-east-1:000000000000:";
        var allow = Statement("Allow", Create);
        var noWindows = WithPolicy(allow + "," + Statement("Deny", Create, Arn + "workspacebundle/wsb-w22std01"));
        var r = await w.Workspaces.CreateAsync(
            noWindows,
            new() { Workspaces = [Item("alice", "wsb-w22std01"), Item("bob")] }
        );
        var denied = Assert.Single(r.FailedRequests!);
        Assert.Equal(ErrorCodes.ItemAccessDenied, denied.ErrorCode);
        Assert.Equal(
            "User: arn:aws:iam::000000000000:user/operator is not authorized to perform: workspaces:CreateWorkspaces "
                + $"with directory {Dir} and bundle wsb-w22std01.",
            denied.ErrorMessage
        );
        Assert.Equal("bob", Assert.Single(r.PendingRequests!).UserName);

        var noDemo = WithPolicy(allow + "," + Statement("Deny", Create, Arn + "directory/" + Dir));
        var none = await w.Workspaces.CreateAsync(noDemo, new() { Workspaces = [Item("carol")] });
        Assert.Equal(ErrorCodes.ItemAccessDenied, Assert.Single(none.FailedRequests!).ErrorCode);
        Assert.Empty(none.PendingRequests!);

        var onlyThese = WithPolicy(
            Statement("Allow", Create, Arn + "directory/" + Dir, Arn + "workspacebundle/wsb-al2std01")
        );
        var allowed = await w.Workspaces.CreateAsync(onlyThese, new() { Workspaces = [Item("carol")] });
        Assert.Empty(allowed.FailedRequests!);
    }
}
