using Cubicle.Desktops;
using Cubicle.Domain;
using Cubicle.Protocol;
using Cubicle.Storage;

namespace Cubicle.Services.WorkSpaces;

/// <summary>The changes of a workspace's state: the five batch changes (Reboot, Rebuild, Start, Stop, Terminate),
/// Restore, ModifyWorkspaceState, and the start a sign-in asks for.</summary>
public sealed class WorkspaceStateChanges(IDatabase db, WorkspaceLifecycle lifecycle)
{
    public Task<WorkspaceChangeResult> RebootAsync(CallContext ctx, RebootWorkspacesRequest req) =>
        ChangeAsync(ctx, ChangeRule.Reboot, req.RebootWorkspaceRequests, "RebootWorkspaceRequests", 25);

    public Task<WorkspaceChangeResult> RebuildAsync(CallContext ctx, RebuildWorkspacesRequest req) =>
        ChangeAsync(ctx, ChangeRule.Rebuild, req.RebuildWorkspaceRequests, "RebuildWorkspaceRequests", 1);

    public Task<WorkspaceChangeResult> StartAsync(CallContext ctx, StartWorkspacesRequest req) =>
        ChangeAsync(ctx, ChangeRule.Start, req.StartWorkspaceRequests, "StartWorkspaceRequests", 25);

    public Task<WorkspaceChangeResult> StopAsync(CallContext ctx, StopWorkspacesRequest req) =>
        ChangeAsync(ctx, ChangeRule.Stop, req.StopWorkspaceRequests, "StopWorkspaceRequests", 25);

    public Task<WorkspaceChangeResult> TerminateAsync(CallContext ctx, TerminateWorkspacesRequest req) =>
        ChangeAsync(ctx, ChangeRule.Terminate, req.TerminateWorkspaceRequests, "TerminateWorkspaceRequests", 25);

    private async Task<WorkspaceChangeResult> ChangeAsync(
        CallContext ctx,
        ChangeRule rule,
        List<WorkspaceChangeRequest>? requests,
        string member,
        int max
    )
    {
        Validate.Required(requests, member);
        Validate.Count(requests, 1, max, member);
        for (var i = 0; i < requests!.Count; i++)
        {
            // StartRequest and StopRequest leave WorkspaceId optional in the model, but there is nothing to do
            // without one.
            Validate.Required(requests[i].WorkspaceId, $"{member}[{i}].WorkspaceId");
            Validate.Pattern(requests[i].WorkspaceId, Validate.WorkspaceIdPattern(), $"{member}[{i}].WorkspaceId");
        }
        var ids = requests.Select(r => r.WorkspaceId!).Distinct().ToList(); // the same workspace twice is one request
        return await db.WriteAsync(
            ctx.Journal,
            async u =>
            {
                var result = new WorkspaceChangeResult();
                var now = lifecycle.Now;
                // Every batch locks its rows in one order (by seq) before it reads them one by one: two batches of
                // the same workspaces wait for each other instead of deadlocking.
                if (requests.Count > 1)
                    await u.Workspaces.ListAsync(
                        new WorkspaceQuery(ctx.AccountId, ctx.Region, ids, null, null, null, null, 0, requests.Count)
                    );
                var ledger = new HostLedger(u);
                foreach (var id in ids)
                    if (await ChangeOneAsync(u, ctx, rule, id, ledger, now) is { } refused)
                        result.FailedRequests.Add(refused.For(id));
                return result;
            }
        );
    }

    private async Task<ItemFailure?> ChangeOneAsync(
        IUnitOfWork u,
        CallContext ctx,
        ChangeRule rule,
        string id,
        HostLedger ledger,
        long now
    )
    {
        if (!ctx.IsAllowed(rule.Action, ctx.WorkspaceArn(id)))
            return new ItemFailure(
                ErrorCodes.ItemAccessDenied,
                $"User: {ctx.PrincipalArn ?? ctx.AccountId} is not authorized to perform: "
                    + $"workspaces:{rule.Action} on resource: {ctx.WorkspaceArn(id)}"
            );
        var ws = await u.Workspaces.GetAsync(ctx.AccountId, ctx.Region, id);
        if (ws is null || (ws.State == WorkspaceState.Terminated && rule != ChangeRule.Terminate))
            return new ItemFailure(ErrorCodes.ItemWorkspaceNotFound, $"The WorkSpace {id} could not be found.");
        if (rule == ChangeRule.Terminate && ws.State is WorkspaceState.Terminating or WorkspaceState.Terminated)
            return null; // already on its way
        if (rule.Refusal(ws, now) is { } refused)
            return refused;
        if (await TakeShareAsync(ledger, rule.Kind, ws) is { } full)
            return new ItemFailure(ErrorCodes.ItemInsufficientCapacity, $"{id} cannot be placed: {full}");
        await lifecycle.BeginAsync(u, ws, rule.To, rule.Kind, now);
        return null;
    }

    public async Task<EmptyResult> RestoreAsync(CallContext ctx, WorkspaceIdRequest req)
    {
        var id = WorkspaceRules.WorkspaceId(req.WorkspaceId);
        ctx.Authorize("RestoreWorkspace", ctx.WorkspaceArn(id));
        await db.WriteAsync(
            ctx.Journal,
            async u =>
            {
                var ws = await u.Workspaces.GetAsync(ctx.AccountId, ctx.Region, id);
                if (ws is null || ws.State == WorkspaceState.Terminated)
                    throw ApiException.NotFound($"The WorkSpace {id} could not be found.", id);
                if (
                    ws.State
                    is not (
                        WorkspaceState.Available
                        or WorkspaceState.Error
                        or WorkspaceState.Unhealthy
                        or WorkspaceState.Stopped
                    )
                )
                    throw new ApiException(
                        ErrorCodes.OperationNotSupported,
                        $"The WorkSpace {id} is {ws.State}; it can be restored when it is AVAILABLE, "
                            + "ERROR, UNHEALTHY or STOPPED."
                    )
                    {
                        Reason = "INVALID_STATE",
                    };
                if ((await u.Workspaces.SnapshotsAsync(ws.Seq)).Count == 0)
                    throw new ApiException(
                        ErrorCodes.OperationNotSupported,
                        $"The WorkSpace {id} has no snapshot to restore from yet."
                    )
                    {
                        Reason = "NO_SNAPSHOT",
                    };
                if (await TakeShareAsync(new HostLedger(u), TransitionKind.Restore, ws) is { } full)
                    throw new ApiException(ErrorCodes.OperationNotSupported, $"{id} cannot be restored: {full}")
                    {
                        Reason = "INSUFFICIENT_CAPACITY",
                    };
                await lifecycle.BeginAsync(u, ws, WorkspaceState.Restoring, TransitionKind.Restore, lifecycle.Now);
                return EmptyResult.Instance;
            }
        );
        return EmptyResult.Instance;
    }

    public async Task<EmptyResult> ModifyStateAsync(CallContext ctx, ModifyWorkspaceStateRequest req)
    {
        var id = WorkspaceRules.WorkspaceId(req.WorkspaceId);
        Validate.Required(req.WorkspaceState, "WorkspaceState");
        Validate.OneOf(
            req.WorkspaceState,
            [WorkspaceState.Available, WorkspaceState.AdminMaintenance],
            "WorkspaceState"
        );
        ctx.Authorize("ModifyWorkspaceState", ctx.WorkspaceArn(id));
        await db.WriteAsync(
            ctx.Journal,
            async u =>
            {
                var ws = await u.Workspaces.GetAsync(ctx.AccountId, ctx.Region, id);
                if (ws is null || ws.State == WorkspaceState.Terminated)
                    throw ApiException.NotFound($"The WorkSpace {id} could not be found.", id);
                var from =
                    req.WorkspaceState == WorkspaceState.AdminMaintenance
                        ? WorkspaceState.Available
                        : WorkspaceState.AdminMaintenance;
                if (ws.State == req.WorkspaceState)
                    return EmptyResult.Instance;
                if (ws.State != from)
                    throw new ApiException(
                        ErrorCodes.InvalidResourceState,
                        $"The WorkSpace {id} is {ws.State}; it can be put in {req.WorkspaceState} only from {from}."
                    );
                var now = lifecycle.Now;
                ws.State = req.WorkspaceState!;
                ws.StateChangedAt = now;
                await u.Workspaces.SaveAsync(ws);
                await lifecycle.ArmAutoStopAsync(u, ws, now);
                // In maintenance the user cannot sign in, and whoever is signed in is signed out.
                if (ws.State == WorkspaceState.AdminMaintenance)
                    await u.Sessions.DeleteBySubjectAsync(SessionKinds.Desktop, ws.WorkspaceId);
                return EmptyResult.Instance;
            }
        );
        return EmptyResult.Instance;
    }

    /// <summary>As the WorkSpaces clients do when their user signs in: a STOPPED AutoStop workspace starts, if its
    /// host has room. Returns the workspace as it is afterwards.</summary>
    public Task<WorkspaceRecord?> StartForSignInAsync(long seq) =>
        db.WriteAsync(
            Journal.Service,
            async u =>
            {
                var ws = await u.Workspaces.GetBySeqAsync(seq);
                if (ws is null || ws.State != WorkspaceState.Stopped || !RunningMode.IsStoppable(ws.RunningMode))
                    return ws;
                if (await TakeShareAsync(new HostLedger(u), TransitionKind.Start, ws) is not null)
                    return ws;
                await lifecycle.BeginAsync(u, ws, WorkspaceState.Starting, TransitionKind.Start, lifecycle.Now);
                return ws;
            }
        );

    /// <summary>Takes what the transition needs of the workspace's host: a start its desktop and memory, a rebuild
    /// or restore a fresh volume (and a desktop when none runs); or says which resource is short.</summary>
    private static Task<string?> TakeShareAsync(HostLedger ledger, string kind, WorkspaceRecord ws)
    {
        var compute = ComputeTypes.Of(ws.ComputeTypeName);
        var share = kind switch
        {
            TransitionKind.Start => HostShare.Start(compute),
            TransitionKind.Rebuild or TransitionKind.Restore => HostShare.Rebuild(
                compute,
                running: WorkspaceState.Running.Contains(ws.State)
            ),
            _ => null,
        };
        return ws.HostId is { } host && share is not null
            ? ledger.TakeAsync(host, share)
            : Task.FromResult<string?>(null);
    }
}
