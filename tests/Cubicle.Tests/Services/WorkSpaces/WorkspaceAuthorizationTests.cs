using Cubicle.Protocol;
using static Cubicle.Tests.Steps;

namespace Cubicle.Tests;

/// <summary>
/// Each single-call workspace action is authorized as its IAM action on its resource: the workspace's ARN, the
/// account's workspaces (workspace/*) for listings, "*" for the account itself. A policy that allows exactly that
/// lets the call through; one that denies exactly that refuses it with AccessDeniedException, naming both.
/// </summary>
public sealed class WorkspaceAuthorizationTests
{
    private const string Arn = "arn:aws:workspaces:us-east-1:000000000000:workspace/";

    [SkippableFact]
    public async Task Each_action_is_judged_on_its_own_resource()
    {
        using var w = new TestWorld();
        var id = await w.CreateAsync("alice");
        await w.AdvanceAsync(TimeSpan.FromSeconds(5));
        await w.AdvanceAsync(TimeSpan.FromSeconds(5)); // the first snapshot
        var s = w.Workspaces;
        var cases = new (string Action, string Resource, Func<CallContext, Task> Call)[]
        {
            ("DescribeWorkspaces", Arn + "*", c => s.DescribeAsync(c, new())),
            ("DescribeWorkspacesConnectionStatus", Arn + "*", c => s.ConnectionStatusAsync(c, new())),
            ("DescribeWorkspaceSnapshots", Arn + id, c => s.DescribeSnapshotsAsync(c, new() { WorkspaceId = id })),
            (
                "ModifyWorkspaceProperties",
                Arn + id,
                c =>
                    s.ModifyAsync(
                        c,
                        new()
                        {
                            WorkspaceId = id,
                            WorkspaceProperties = new() { RunningMode = "ALWAYS_ON" },
                        }
                    )
            ),
            (
                "ModifyWorkspaceState",
                Arn + id,
                c => s.ModifyStateAsync(c, new() { WorkspaceId = id, WorkspaceState = "AVAILABLE" })
            ),
            ("DescribeAccount", "*", c => s.DescribeAccountAsync(c, new())),
            ("RestoreWorkspace", Arn + id, c => s.RestoreAsync(c, new() { WorkspaceId = id })),
        };
        var wrong = new List<string>();
        foreach (var (action, resource, call) in cases)
        {
            try
            {
                await call(WithPolicy(Statement("Allow", "workspaces:" + action, resource)));
            }
            catch (ApiException ex)
            {
                wrong.Add($"{action} allowed on {resource}: {ex.Code} {ex.Message}");
            }
            // "?" stands for one character: the resource "*" (or workspace/*) itself, nothing shorter.
            var deny = resource.EndsWith('*') ? resource[..^1] + "?" : resource;
            var denied = WithPolicy(
                Statement("Allow", "workspaces:*") + "," + Statement("Deny", "workspaces:" + action, deny)
            );
            try
            {
                await call(denied);
                wrong.Add($"{action} denied on {deny}: accepted");
            }
            catch (ApiException ex)
            {
                var expected =
                    $"User: arn:aws:iam::000000000000:user/operator is not authorized to perform: workspaces:{action} "
                    + $"on resource: {resource}";
                if (ex.Code != ErrorCodes.AccessDenied || ex.Message != expected)
                    wrong.Add($"{action} denied on {deny}: {ex.Code} {ex.Message}");
            }
        }
        Assert.Equal("", string.Join("\n", wrong));
        Assert.Equal("RESTORING", await w.StateAsync(id));
        var account = await s.DescribeAccountAsync(w.Caller(), new());
        Assert.Equal("DISABLED", account.DedicatedTenancySupport);
    }
}
