using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using static Cubicle.Tests.Steps;

namespace Cubicle.Tests;

/// <summary>
/// Every workspace action refuses a malformed request with InvalidParameterValuesException, before it looks at
/// anything stored, and its message names the member at fault as the request spells it (with the item's index).
/// </summary>
public sealed class WorkspaceValidationTests
{
    private static readonly string LongDirectoryId = "d-" + new string('a', 64);
    private static readonly string LongUserName = new('u', 64);
    private const string Required = "The parameter {0} is required but was not provided.";

    private static WorkspaceRequest Item(Action<WorkspaceRequest>? change = null)
    {
        var item = new WorkspaceRequest
        {
            DirectoryId = DirectoryLoader.DemoDirectoryId,
            UserName = "alice",
            BundleId = "wsb-al2std01",
        };
        change?.Invoke(item);
        return item;
    }

    private static async Task AllRefusedAsync(IEnumerable<(string Message, Func<Task> Call)> cases)
    {
        var wrong = new List<string>();
        foreach (var (message, call) in cases)
        {
            try
            {
                await call();
                wrong.Add($"accepted, expected: {message}");
            }
            catch (ApiException ex) when (ex.Code == ErrorCodes.InvalidParameterValues)
            {
                if (!ex.Message.StartsWith(message, StringComparison.Ordinal))
                    wrong.Add($"expected: {message}\n     got: {ex.Message}");
            }
        }
        Assert.Empty(wrong);
    }

    [SkippableFact]
    public async Task CreateWorkspaces_names_the_item_and_member_at_fault()
    {
        using var w = new TestWorld();
        Func<Task> Create(params WorkspaceRequest[] items) =>
            () => w.Workspaces.CreateAsync(w.Caller(), new() { Workspaces = items.Length == 0 ? [] : [.. items] });
        Func<Task> Second(Action<WorkspaceRequest> change) => Create(Item(), Item(change));
        await AllRefusedAsync([
            (string.Format(Required, "Workspaces"), () => w.Workspaces.CreateAsync(w.Caller(), new())),
            ("Invalid value for Workspaces: it must hold between 1 and 25 items, but holds 0.", Create()),
            (
                "Invalid value for Workspaces: it must hold between 1 and 25 items, but holds 26.",
                Create([.. Enumerable.Range(0, 26).Select(_ => Item())])
            ),
            (string.Format(Required, "Workspaces[1].DirectoryId"), Second(i => i.DirectoryId = null)),
            (
                "Invalid value for Workspaces[1].DirectoryId: its length must be between 10 and 65, but it is 66.",
                Second(i => i.DirectoryId = LongDirectoryId)
            ),
            (
                "Invalid value for Workspaces[1].DirectoryId: 'x-12345678' does not match",
                Second(i => i.DirectoryId = "x-12345678")
            ),
            (string.Format(Required, "Workspaces[1].UserName"), Second(i => i.UserName = null)),
            (
                "Invalid value for Workspaces[1].UserName: its length must be between 1 and 63, but it is 64.",
                Second(i => i.UserName = LongUserName)
            ),
            (
                "Invalid value for Workspaces[1].UserName: a user name cannot hold control characters.",
                Second(i => i.UserName = "al\nice")
            ),
            (string.Format(Required, "Workspaces[1].BundleId"), Second(i => i.BundleId = null)),
            ("Invalid value for Workspaces[1].BundleId: 'bundle' does not", Second(i => i.BundleId = "bundle")),
            ("Invalid value for Workspaces[1].WorkspaceName: '-x' does not", Second(i => i.WorkspaceName = "-x")),
            ("Invalid value for Workspaces[1].Ipv6Address: 'nope' does not", Second(i => i.Ipv6Address = "nope")),
            (
                "Invalid value for Workspaces[1].WorkspaceProperties.RunningMode: 'SOMETIMES' is not one of",
                Second(i => i.WorkspaceProperties = new() { RunningMode = "SOMETIMES" })
            ),
            (
                "Invalid value for Workspaces[1].Tags[0].Key: keys beginning with 'aws:' are reserved",
                Second(i => i.Tags = [new() { Key = "aws:team", Value = "x" }])
            ),
        ]);
        Assert.Empty(await QueuedAsync(w));
    }

    [SkippableFact]
    public async Task DescribeWorkspaces_names_the_member_at_fault_and_takes_one_filter()
    {
        using var w = new TestWorld();
        Func<Task> Describe(DescribeWorkspacesRequest req) => () => w.Workspaces.DescribeAsync(w.Caller(), req);
        const string OneFilter =
            "Only one of the filters BundleId, DirectoryId, WorkspaceIds and WorkspaceName can be specified at a "
            + "time.";
        List<string> ids = ["ws-abcdefgh1"];
        const string Dir = DirectoryLoader.DemoDirectoryId;
        await AllRefusedAsync([
            (
                "Invalid value for WorkspaceIds: it must hold between 1 and 25 items, but holds 0.",
                Describe(new() { WorkspaceIds = [] })
            ),
            ("Invalid value for WorkspaceIds[0]: 'ws-1' does not", Describe(new() { WorkspaceIds = ["ws-1"] })),
            (
                "Invalid value for DirectoryId: its length must be between 10 and 65, but it is 66.",
                Describe(new() { DirectoryId = LongDirectoryId })
            ),
            ("Invalid value for DirectoryId: 'x-12345678' does", Describe(new() { DirectoryId = "x-12345678" })),
            (
                "Invalid value for UserName: its length must be between 1 and 63, but it is 64.",
                Describe(new() { DirectoryId = Dir, UserName = LongUserName })
            ),
            ("Invalid value for BundleId: 'b' does not", Describe(new() { BundleId = "b" })),
            ("Invalid value for Limit: 0 is outside the valid range 1..25.", Describe(new() { Limit = 0 })),
            ("Invalid value for Limit: 26 is outside the valid range 1..25.", Describe(new() { Limit = 26 })),
            (
                "Invalid value for NextToken: its length must be between 1 and 2048, but it is 0.",
                Describe(new() { NextToken = "" })
            ),
            ("Invalid value for WorkspaceName: '-x' does not", Describe(new() { WorkspaceName = "-x" })),
            (OneFilter, Describe(new() { WorkspaceIds = ids, DirectoryId = Dir })),
            (OneFilter, Describe(new() { WorkspaceIds = ids, BundleId = "wsb-al2std01" })),
            (OneFilter, Describe(new() { WorkspaceIds = ids, WorkspaceName = "desk" })),
            (OneFilter, Describe(new() { DirectoryId = Dir, BundleId = "wsb-al2std01" })),
            (OneFilter, Describe(new() { DirectoryId = Dir, WorkspaceName = "desk" })),
            (OneFilter, Describe(new() { BundleId = "wsb-al2std01", WorkspaceName = "desk" })),
            (
                OneFilter,
                Describe(
                    new()
                    {
                        WorkspaceIds = ids,
                        DirectoryId = Dir,
                        BundleId = "wsb-al2std01",
                    }
                )
            ),
            ("UserName can only be used together with DirectoryId.", Describe(new() { UserName = "alice" })),
            (
                "UserName can only be used together with DirectoryId.",
                Describe(new() { UserName = "alice", BundleId = "wsb-al2std01" })
            ),
        ]);
    }

    [SkippableFact]
    public async Task The_other_workspace_actions_name_the_member_at_fault()
    {
        using var w = new TestWorld();
        var ctx = w.Caller();
        var s = w.Workspaces;
        await AllRefusedAsync([
            (
                "Invalid value for WorkspaceIds: it must hold between 1 and 25 items, but holds 0.",
                () => s.ConnectionStatusAsync(ctx, new() { WorkspaceIds = [] })
            ),
            (
                "Invalid value for WorkspaceIds[0]: 'ws-1' does not",
                () => s.ConnectionStatusAsync(ctx, new() { WorkspaceIds = ["ws-1"] })
            ),
            (
                "Invalid value for NextToken: its length must be between 1 and 2048, but it is 0.",
                () => s.ConnectionStatusAsync(ctx, new() { NextToken = "" })
            ),
            (string.Format(Required, "WorkspaceId"), () => s.ModifyAsync(ctx, new())),
            (
                "Invalid value for WorkspaceId: 'ws-1' does not",
                () => s.ModifyAsync(ctx, new() { WorkspaceId = "ws-1", DataReplication = "NO_REPLICATION" })
            ),
            (
                "Invalid value for WorkspaceProperties.RunningMode: 'SOMETIMES' is not one of",
                () =>
                    s.ModifyAsync(
                        ctx,
                        new()
                        {
                            WorkspaceId = "ws-abcdefgh1",
                            WorkspaceProperties = new() { RunningMode = "SOMETIMES" },
                        }
                    )
            ),
            (
                "Invalid value for DataReplication: 'ALWAYS' is not one of NO_REPLICATION, PRIMARY_AS_SOURCE.",
                () => s.ModifyAsync(ctx, new() { WorkspaceId = "ws-abcdefgh1", DataReplication = "ALWAYS" })
            ),
            (
                string.Format(Required, "WorkspaceProperties"),
                () => s.ModifyAsync(ctx, new() { WorkspaceId = "ws-abcdefgh1" })
            ),
            (string.Format(Required, "WorkspaceId"), () => s.RestoreAsync(ctx, new())),
            ("Invalid value for WorkspaceId: 'ws-1' does", () => s.RestoreAsync(ctx, new() { WorkspaceId = "ws-1" })),
            (string.Format(Required, "WorkspaceId"), () => s.DescribeSnapshotsAsync(ctx, new())),
            (
                "Invalid value for WorkspaceId: 'ws-1' does",
                () => s.DescribeSnapshotsAsync(ctx, new() { WorkspaceId = "ws-1" })
            ),
            (
                string.Format(Required, "WorkspaceId"),
                () => s.ModifyStateAsync(ctx, new() { WorkspaceState = "AVAILABLE" })
            ),
            (
                string.Format(Required, "WorkspaceState"),
                () => s.ModifyStateAsync(ctx, new() { WorkspaceId = "ws-abcdefgh1" })
            ),
            (
                "Invalid value for WorkspaceState: 'STOPPED' is not one of AVAILABLE, ADMIN_MAINTENANCE.",
                () => s.ModifyStateAsync(ctx, new() { WorkspaceId = "ws-abcdefgh1", WorkspaceState = "STOPPED" })
            ),
        ]);
    }

    [SkippableFact]
    public async Task The_batch_changes_name_the_list_and_item_at_fault()
    {
        using var w = new TestWorld();
        var ctx = w.Caller();
        var s = w.Workspaces;
        var batches = new (string Member, int Max, Func<List<WorkspaceChangeRequest>?, Task> Call)[]
        {
            ("RebootWorkspaceRequests", 25, r => s.RebootAsync(ctx, new() { RebootWorkspaceRequests = r })),
            ("RebuildWorkspaceRequests", 1, r => s.RebuildAsync(ctx, new() { RebuildWorkspaceRequests = r })),
            ("StartWorkspaceRequests", 25, r => s.StartAsync(ctx, new() { StartWorkspaceRequests = r })),
            ("StopWorkspaceRequests", 25, r => s.StopAsync(ctx, new() { StopWorkspaceRequests = r })),
            ("TerminateWorkspaceRequests", 25, r => s.TerminateAsync(ctx, new() { TerminateWorkspaceRequests = r })),
        };
        var cases = new List<(string, Func<Task>)>();
        foreach (var (member, max, call) in batches)
        {
            var tooMany = Enumerable
                .Range(0, max + 1)
                .Select(i => new WorkspaceChangeRequest { WorkspaceId = $"ws-{i:d9}" });
            string Holds(int n) =>
                max == 1
                    ? $"Invalid value for {member}: it must hold exactly 1 item(s), but holds {n}."
                    : $"Invalid value for {member}: it must hold between 1 and {max} items, but holds {n}.";
            cases.Add((string.Format(Required, member), () => call(null)));
            cases.Add((Holds(0), () => call([])));
            cases.Add((Holds(max + 1), () => call([.. tooMany])));
            if (max > 1)
            {
                cases.Add(
                    (
                        string.Format(Required, $"{member}[1].WorkspaceId"),
                        () => call([new() { WorkspaceId = "ws-000000001" }, new()])
                    )
                );
                cases.Add(
                    (
                        $"Invalid value for {member}[1].WorkspaceId: 'ws-1' does not",
                        () => call([new() { WorkspaceId = "ws-000000001" }, new() { WorkspaceId = "ws-1" }])
                    )
                );
            }
            else
            {
                cases.Add((string.Format(Required, $"{member}[0].WorkspaceId"), () => call([new()])));
                cases.Add(($"Invalid value for {member}[0].WorkspaceId: 'ws-1' does not", () => call(One("ws-1"))));
            }
        }
        await AllRefusedAsync(cases);
    }
}
