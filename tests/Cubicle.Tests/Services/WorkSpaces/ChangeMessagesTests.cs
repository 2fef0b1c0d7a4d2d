using Cubicle.Domain;
using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;
using static Cubicle.Tests.Steps;

namespace Cubicle.Tests;

/// <summary>
/// The FailedRequests entries of Reboot, Rebuild, Start, Stop and Terminate: the code and a message that says what
/// the workspace is and what the action needs, per item of a batch; the same workspace twice in a batch counts once;
/// a REBOOTING workspace may be rebooted again only once it has been stuck for over 20 minutes.
/// </summary>
public sealed class ChangeMessagesTests
{
    private static readonly TimeSpan Transition = TimeSpan.FromSeconds(5);

    private static async Task<(string? Code, string? Message)> OnlyAsync(Task<WorkspaceChangeResult> call)
    {
        var r = await call;
        return r.FailedRequests.Count == 0
            ? (null, null)
            : (r.FailedRequests[0].ErrorCode, r.FailedRequests[0].ErrorMessage);
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Each_refusal_says_what_the_workspace_is_and_what_the_action_needs(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var auto = await w.CreateAsync("alice", "AUTO_STOP");
        var always = await w.CreateAsync("bob");
        await w.AdvanceAsync(Transition);
        var ctx = w.Caller();
        var s = w.Workspaces;
        const string Invalid = ErrorCodes.ItemInvalidState;

        Assert.Equal(
            (Invalid, $"The WorkSpace {auto} is AVAILABLE; it can be started only when it is STOPPED."),
            await OnlyAsync(s.StartAsync(ctx, new() { StartWorkspaceRequests = One(auto) }))
        );
        Assert.Equal(
            (
                ErrorCodes.ItemUnsupportedConfiguration,
                $"The WorkSpace {always} runs in ALWAYS_ON mode; only AUTO_STOP and MANUAL WorkSpaces can be stopped."
            ),
            await OnlyAsync(s.StopAsync(ctx, new() { StopWorkspaceRequests = One(always) }))
        );
        Assert.Equal(
            (
                ErrorCodes.ItemUnsupportedConfiguration,
                $"The WorkSpace {always} runs in ALWAYS_ON mode; only AUTO_STOP and MANUAL WorkSpaces can be started."
            ),
            await OnlyAsync(s.StartAsync(ctx, new() { StartWorkspaceRequests = One(always) }))
        );
        Assert.Equal((null, null), await OnlyAsync(s.StopAsync(ctx, new() { StopWorkspaceRequests = One(auto) })));
        Assert.Equal(
            (
                Invalid,
                $"The WorkSpace {auto} is STOPPING; it can be stopped only when it is AVAILABLE or IMPAIRED or "
                    + "UNHEALTHY "
                    + "or ERROR."
            ),
            await OnlyAsync(s.StopAsync(ctx, new() { StopWorkspaceRequests = One(auto) }))
        );
        Assert.Equal(
            (
                Invalid,
                $"The WorkSpace {auto} is STOPPING; it can be rebuilt only when it is AVAILABLE or ERROR or "
                    + "UNHEALTHY or "
                    + "STOPPED or REBOOTING."
            ),
            await OnlyAsync(s.RebuildAsync(ctx, new() { RebuildWorkspaceRequests = One(auto) }))
        );
        Assert.Equal(
            (
                Invalid,
                $"The WorkSpace {auto} is STOPPING; it can be rebooted only when it is AVAILABLE or UNHEALTHY, or "
                    + "REBOOTING for over 20 minutes."
            ),
            await OnlyAsync(s.RebootAsync(ctx, new() { RebootWorkspaceRequests = One(auto) }))
        );
        Assert.Equal(
            (ErrorCodes.ItemWorkspaceNotFound, "The WorkSpace ws-000000000 could not be found."),
            await OnlyAsync(s.RebootAsync(ctx, new() { RebootWorkspaceRequests = One("ws-000000000") }))
        );

        var ws = await RecordAsync(w, always);
        ws.State = WorkspaceState.Suspended;
        await w.Db.WriteAsync(
            Journal.Service,
            async u =>
            {
                await u.Workspaces.SaveAsync(ws);
                return 0;
            }
        );
        Assert.Equal(
            (Invalid, $"The WorkSpace {always} is SUSPENDED and cannot be terminated."),
            await OnlyAsync(s.TerminateAsync(ctx, new() { TerminateWorkspaceRequests = One(always) }))
        );
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_batch_answers_per_workspace_and_counts_a_repeated_one_once(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var a = await w.CreateAsync("alice", "AUTO_STOP");
        var b = await w.CreateAsync("bob", "AUTO_STOP");
        var c = await w.CreateAsync("carol");
        await w.AdvanceAsync(Transition);
        var r = await w.Workspaces.StopAsync(
            w.Caller(),
            new()
            {
                StopWorkspaceRequests =
                [
                    .. new[] { a, c, a, "ws-000000000", b, b }.Select(id => new WorkspaceChangeRequest
                    {
                        WorkspaceId = id,
                    }),
                ],
            }
        );
        Assert.Equal(
            [(c, ErrorCodes.ItemUnsupportedConfiguration), ("ws-000000000", ErrorCodes.ItemWorkspaceNotFound)],
            r.FailedRequests.Select(f => (f.WorkspaceId!, f.ErrorCode!))
        );
        Assert.Equal(
            ["STOPPING", "STOPPING", "AVAILABLE"],
            [await w.StateAsync(a), await w.StateAsync(b), await w.StateAsync(c)]
        );
        var rebooted = await w.Workspaces.RebootAsync(
            w.Caller(),
            new() { RebootWorkspaceRequests = [new() { WorkspaceId = c }, new() { WorkspaceId = c }] }
        );
        Assert.Empty(rebooted.FailedRequests);
        Assert.Equal("REBOOTING", await w.StateAsync(c));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_reboot_is_repeated_only_after_over_20_minutes_stuck(string engine)
    {
        using var w = new TestWorld(new ScriptedProvider(capacity: 1), engine: engine);
        var id = await w.CreateAsync("alice");
        await w.AdvanceAsync(Transition);
        Assert.Equal(
            (null, null),
            await OnlyAsync(w.Workspaces.RebootAsync(w.Caller(), new() { RebootWorkspaceRequests = One(id) }))
        );
        var ws = await RecordAsync(w, id);
        // The reboot never ends (its host lost it).
        await w.Db.WriteAsync(
            Journal.Service,
            async u =>
            {
                await u.Jobs.CancelAsync(JobSubjects.Workspace, ws.Seq, [TransitionKind.Reboot]);
                return 0;
            }
        );
        await w.AdvanceAsync(TimeSpan.FromMinutes(20));
        var again = await OnlyAsync(w.Workspaces.RebootAsync(w.Caller(), new() { RebootWorkspaceRequests = One(id) }));
        Assert.Equal(ErrorCodes.ItemInvalidState, again.Code);
        Assert.Equal("REBOOTING", await w.StateAsync(id));
        await w.AdvanceAsync(TimeSpan.FromMilliseconds(1));
        Assert.Equal(
            (null, null),
            await OnlyAsync(w.Workspaces.RebootAsync(w.Caller(), new() { RebootWorkspaceRequests = One(id) }))
        );
        await w.AdvanceAsync(Transition);
        Assert.Equal("AVAILABLE", await w.StateAsync(id));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_policy_judges_each_workspace_of_a_batch_by_its_own_ARN(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var a = await w.CreateAsync("alice", "AUTO_STOP");
        var b = await w.CreateAsync("bob", "AUTO_STOP");
        await w.AdvanceAsync(Transition);
        const string Arn = "arn:aws:workspaces:us-east-1:000000000000:workspace/";
        var actions = new (
            string Action,
            Func<CallContext, List<WorkspaceChangeRequest>, Task<WorkspaceChangeResult>> Call
        )[]
        {
            ("RebootWorkspaces", (c, r) => w.Workspaces.RebootAsync(c, new() { RebootWorkspaceRequests = r })),
            ("RebuildWorkspaces", (c, r) => w.Workspaces.RebuildAsync(c, new() { RebuildWorkspaceRequests = [r[^1]] })),
            ("StartWorkspaces", (c, r) => w.Workspaces.StartAsync(c, new() { StartWorkspaceRequests = r })),
            ("StopWorkspaces", (c, r) => w.Workspaces.StopAsync(c, new() { StopWorkspaceRequests = r })),
            ("TerminateWorkspaces", (c, r) => w.Workspaces.TerminateAsync(c, new() { TerminateWorkspaceRequests = r })),
        };
        foreach (var (action, call) in actions)
        {
            var ctx = WithPolicy(Statement("Allow", "workspaces:" + action, Arn + a));
            var r = await call(ctx, [new() { WorkspaceId = a }, new() { WorkspaceId = b }]);
            var denied = Assert.Single(r.FailedRequests, f => f.ErrorCode == ErrorCodes.ItemAccessDenied);
            Assert.Equal((b, ErrorCodes.ItemAccessDenied), (denied.WorkspaceId, denied.ErrorCode));
            Assert.Equal(
                $"User: arn:aws:iam::000000000000:user/operator is not authorized to perform: workspaces:{action} on "
                    + $"resource: {Arn}{b}",
                denied.ErrorMessage
            );
            Assert.Equal("AVAILABLE", await w.StateAsync(b));
        }
        var keyless = new CallContext
        {
            RequestId = "r",
            AccountId = "000000000000",
            Region = "us-east-1",
            Policy = Cubicle.Accounts.IamPolicy.Parse($$"""{"Statement":[{{Statement("Deny", "workspaces:*")}}]}"""),
        };
        var refused = await w.Workspaces.RebootAsync(keyless, new() { RebootWorkspaceRequests = One(b) });
        Assert.Equal(
            $"User: 000000000000 is not authorized to perform: workspaces:RebootWorkspaces on resource: {Arn}{b}",
            Assert.Single(refused.FailedRequests).ErrorMessage
        );
    }
}
