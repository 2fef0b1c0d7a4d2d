using Cubicle.Domain;
using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;

namespace Cubicle.Tests;

/// <summary>
/// Every change action against a workspace in each state of the model and each running mode, on both engines:
/// accepted or refused (with its code), the state afterwards and the account's count. The expected table is written
/// from today's API reference, the documentation strings of the WorkSpaces service model (botocore's
/// workspaces/2015-04-08/service-2.json, as in ../shared/spec), not from the code:
/// <list type="bullet">
/// <item>RebootWorkspaces: "You cannot reboot a WorkSpace unless its state is AVAILABLE, UNHEALTHY, or REBOOTING.
/// Reboot a WorkSpace in the REBOOTING state only if your WorkSpace has been stuck in the REBOOTING state for over
/// 20 minutes."</item>
/// <item>RebuildWorkspaces: "unless its state is AVAILABLE, ERROR, UNHEALTHY, STOPPED, or REBOOTING".</item>
/// <item>StartWorkspaces: "unless it has a running mode of AutoStop or Manual and a state of STOPPED".</item>
/// <item>StopWorkspaces: "unless it has a running mode of AutoStop or Manual and a state of AVAILABLE, IMPAIRED,
/// UNHEALTHY, or ERROR".</item>
/// <item>TerminateWorkspaces: "You can terminate a WorkSpace that is in any state except SUSPENDED."</item>
/// <item>RestoreWorkspace: "unless its state is AVAILABLE, ERROR, UNHEALTHY, or STOPPED".</item>
/// <item>ModifyWorkspaceState: "WorkSpaces in this state [ADMIN_MAINTENANCE] do not respond to requests to reboot,
/// stop, start, rebuild, or restore."</item>
/// <item>ModifyWorkspaceProperties: OperationInProgressException "The properties of this WorkSpace are currently
/// being modified", ResourceUnavailableException "The specified resource is not available", otherwise
/// InvalidResourceStateException "The state of the resource is not valid for this operation".</item>
/// </list>
/// Where the reference says nothing, the table says what Cubicle chose (marked "Cubicle:"). A TERMINATED workspace
/// is gone for every action but Terminate (the reference: its state "is returned only briefly before the WorkSpace
/// directory metadata is cleaned up").
/// </summary>
public sealed class StateTableTests
{
    private static readonly string[] States =
    [
        "PENDING",
        "AVAILABLE",
        "IMPAIRED",
        "UNHEALTHY",
        "REBOOTING",
        "STARTING",
        "REBUILDING",
        "RESTORING",
        "MAINTENANCE",
        "ADMIN_MAINTENANCE",
        "TERMINATING",
        "TERMINATED",
        "SUSPENDED",
        "UPDATING",
        "STOPPING",
        "STOPPED",
        "ERROR",
    ];

    private static readonly string[] Modes = [RunningMode.AutoStop, RunningMode.AlwaysOn, RunningMode.Manual];

    private static readonly string[] Actions =
    [
        "Reboot",
        "Rebuild",
        "Start",
        "Stop",
        "Terminate",
        "Restore",
        "ModifyWorkspaceState",
        "ModifyWorkspaceProperties",
    ];

    /// <summary>One case: the state, the running mode, and whether it has been in that state for over 20
    /// minutes.</summary>
    private sealed record Case(string State, string Mode, bool Stuck);

    private static IEnumerable<Case> Cases() =>
        States
            .SelectMany(s => Modes.Select(m => new Case(s, m, false)))
            .Append(new Case("REBOOTING", RunningMode.AlwaysOn, true))
            .Append(new Case("REBOOTING", RunningMode.AutoStop, true));

    /// <summary>The expected answer: null when accepted, else the refusal's code; and the state afterwards.</summary>
    private static (string? Code, string After) Expected(string action, Case c)
    {
        var (s, stoppable) = (c.State, c.Mode is RunningMode.AutoStop or RunningMode.Manual);
        const string Invalid = "InvalidResourceState";
        if (s == "TERMINATED" && action != "Terminate")
            return (
                action switch
                {
                    "Restore" or "ModifyWorkspaceState" => ErrorCodes.ResourceNotFound,
                    // Cubicle: the record of a terminated workspace is no longer available to modify.
                    "ModifyWorkspaceProperties" => ErrorCodes.ResourceUnavailable,
                    _ => "ResourceNotFound.Workspace",
                },
                s
            );
        return action switch
        {
            "Reboot" => s is "AVAILABLE" or "UNHEALTHY" || (s == "REBOOTING" && c.Stuck)
                ? (null, "REBOOTING")
                : (Invalid, s),
            "Rebuild" => s is "AVAILABLE" or "ERROR" or "UNHEALTHY" or "STOPPED" or "REBOOTING"
                ? (null, "REBUILDING")
                : (Invalid, s),
            // Cubicle: the running mode is checked before the state.
            "Start" => !stoppable ? ("UnsupportedWorkspaceConfiguration", s)
            : s == "STOPPED" ? (null, "STARTING")
            : (Invalid, s),
            "Stop" => !stoppable ? ("UnsupportedWorkspaceConfiguration", s)
            : s is "AVAILABLE" or "IMPAIRED" or "UNHEALTHY" or "ERROR" ? (null, "STOPPING")
            : (Invalid, s),
            // Cubicle: a terminate of a workspace already on its way is acknowledged and changes nothing.
            "Terminate" => s == "SUSPENDED" ? (Invalid, s)
            : s is "TERMINATING" or "TERMINATED" ? (null, s)
            : (null, "TERMINATING"),
            "Restore" => s is "AVAILABLE" or "ERROR" or "UNHEALTHY" or "STOPPED"
                ? (null, "RESTORING")
                : (ErrorCodes.OperationNotSupported, s),
            // Cubicle: maintenance is entered from AVAILABLE (asking for it again changes nothing).
            "ModifyWorkspaceState" => s == "AVAILABLE" ? (null, "ADMIN_MAINTENANCE")
            : s == "ADMIN_MAINTENANCE" ? (null, s)
            : (ErrorCodes.InvalidResourceState, s),
            // Cubicle: a change of compute type applies to a desktop that is AVAILABLE, STOPPED, IMPAIRED or
            // UNHEALTHY, through UPDATING.
            _ => s == "UPDATING" ? (ErrorCodes.OperationInProgress, s)
            : s == "TERMINATING" ? (ErrorCodes.ResourceUnavailable, s)
            : s is "AVAILABLE" or "STOPPED" or "IMPAIRED" or "UNHEALTHY" ? (null, "UPDATING")
            : (ErrorCodes.InvalidResourceState, s),
        };
    }

    public static TheoryData<string, string> EnginesAndActions()
    {
        var data = new TheoryData<string, string>();
        foreach (var engine in TestWorld.Engines())
        foreach (var action in Actions)
            data.Add(engine, action);
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(EnginesAndActions))]
    public async Task Each_action_answers_each_state_as_the_API_reference_says(string engine, string action)
    {
        using var w = new TestWorld(quota: 10_000, engine: engine);
        var cases = Cases().ToList();
        var ids = await Races.AvailableAsync(w, cases.Count);
        var wrong = new List<string>();
        for (var i = 0; i < cases.Count; i++)
        {
            var c = cases[i];
            await ForceAsync(w, ids[i], c);
            var before = await CountAsync(w);
            var (code, after) = Expected(action, c);
            var got = await CallAsync(w, action, ids[i]);
            var state = await w.StateAsync(ids[i]);
            if (got != code || state != after)
                wrong.Add(
                    $"{action} from {c.State}/{c.Mode}{(c.Stuck ? "/stuck" : "")}: expected {code ?? "accepted"} "
                        + $"and {after}, got {got ?? "accepted"} and {state}"
                );
            if (await CountAsync(w) != before)
                wrong.Add($"{action} from {c.State}/{c.Mode}: the account's count changed at the call");
        }
        Assert.Empty(wrong);
    }

    /// <summary>Puts the workspace in the case's state and running mode (what the lifecycle would have done), with
    /// nothing queued for it, and keeps the account's count in step.</summary>
    private static Task ForceAsync(TestWorld w, string id, Case c) =>
        w.Db.WriteAsync(
            Journal.Service,
            async u =>
            {
                var ws = (await u.Workspaces.GetByIdAsync(id))!;
                await u.Jobs.CancelAsync(JobSubjects.Workspace, ws.Seq);
                ws.State = c.State;
                ws.RunningMode = c.Mode;
                ws.AutoStopTimeout = c.Mode == RunningMode.AutoStop ? 60 : null;
                ws.StateChangedAt = w.Lifecycle.Now - (c.Stuck ? 21 : 1) * 60_000;
                if (c.State == "TERMINATED")
                {
                    ws.TerminatedAt = w.Lifecycle.Now;
                    await u.Workspaces.ChangeActiveCountAsync(ws.AccountId, -1);
                }
                await u.Workspaces.SaveAsync(ws);
                return 0;
            }
        );

    private static Task<int> CountAsync(TestWorld w) =>
        w.Db.WriteAsync(Journal.Service, u => u.Workspaces.LockAccountAsync(CubicleOptions.DefaultAccountId));

    private static async Task<string?> CallAsync(TestWorld w, string action, string id)
    {
        var ctx = w.Caller();
        List<WorkspaceChangeRequest> one = [new() { WorkspaceId = id }];
        static string? Item(WorkspaceChangeResult r) => r.FailedRequests.SingleOrDefault()?.ErrorCode;
        try
        {
            return action switch
            {
                "Reboot" => Item(await w.Workspaces.RebootAsync(ctx, new() { RebootWorkspaceRequests = one })),
                "Rebuild" => Item(await w.Workspaces.RebuildAsync(ctx, new() { RebuildWorkspaceRequests = one })),
                "Start" => Item(await w.Workspaces.StartAsync(ctx, new() { StartWorkspaceRequests = one })),
                "Stop" => Item(await w.Workspaces.StopAsync(ctx, new() { StopWorkspaceRequests = one })),
                "Terminate" => Item(await w.Workspaces.TerminateAsync(ctx, new() { TerminateWorkspaceRequests = one })),
                "Restore" => await Done(w.Workspaces.RestoreAsync(ctx, new() { WorkspaceId = id })),
                "ModifyWorkspaceState" => await Done(
                    w.Workspaces.ModifyStateAsync(ctx, new() { WorkspaceId = id, WorkspaceState = "ADMIN_MAINTENANCE" })
                ),
                _ => await Done(
                    w.Workspaces.ModifyAsync(
                        ctx,
                        new()
                        {
                            WorkspaceId = id,
                            WorkspaceProperties = new() { ComputeTypeName = "PERFORMANCE" },
                        }
                    )
                ),
            };
        }
        catch (ApiException ex)
        {
            Assert.True(ex.Status < 500, ex.Message);
            return ex.Code;
        }
    }

    private static async Task<string?> Done(Task<EmptyResult> call)
    {
        await call;
        return null;
    }
}
