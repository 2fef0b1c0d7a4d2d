using Cubicle.Desktops;
using Cubicle.Domain;
using Cubicle.Protocol;
using Cubicle.Storage;

namespace Cubicle.Services.WorkSpaces;

/// <summary>ModifyWorkspaceProperties: running mode and timeout apply at once; volumes and compute reshape the
/// desktop, which is UPDATING while that is applied.</summary>
public sealed class WorkspacePropertyChanges(IDatabase db, WorkspaceLifecycle lifecycle, IDesktopProvider desktops)
{
    public async Task<EmptyResult> ModifyAsync(CallContext ctx, ModifyWorkspacePropertiesRequest req)
    {
        Validate.Required(req.WorkspaceId, "WorkspaceId");
        Validate.Pattern(req.WorkspaceId, Validate.WorkspaceIdPattern(), "WorkspaceId");
        WorkspaceRules.Properties(req.WorkspaceProperties, "WorkspaceProperties");
        Validate.OneOf(req.DataReplication, WorkspaceRules.DataReplications, "DataReplication");
        if (req.WorkspaceProperties is null && req.DataReplication is null)
            throw ApiException.InvalidParameter("The parameter WorkspaceProperties is required but was not provided.");
        ctx.Authorize("ModifyWorkspaceProperties", ctx.WorkspaceArn(req.WorkspaceId!));
        await db.WriteAsync(
            ctx.Journal,
            async u =>
            {
                var ws =
                    await u.Workspaces.GetAsync(ctx.AccountId, ctx.Region, req.WorkspaceId!)
                    ?? throw ApiException.NotFound(
                        $"The WorkSpace {req.WorkspaceId} could not be found.",
                        req.WorkspaceId
                    );
                CheckModifiable(ws);
                if (req.DataReplication == "PRIMARY_AS_SOURCE")
                    throw new ApiException(
                        ErrorCodes.UnsupportedWorkspaceConfiguration,
                        $"Data replication needs a standby WorkSpace, and WorkSpace {ws.WorkspaceId} has none."
                    );
                if (req.WorkspaceProperties is { } p)
                    await ApplyAsync(u, ws, p);
                return EmptyResult.Instance;
            }
        );
        return EmptyResult.Instance;
    }

    private static void CheckModifiable(WorkspaceRecord ws)
    {
        switch (ws.State)
        {
            case WorkspaceState.Updating:
                throw new ApiException(
                    ErrorCodes.OperationInProgress,
                    $"The properties of WorkSpace {ws.WorkspaceId} are currently being modified. Try again in a moment."
                );
            case WorkspaceState.Terminating or WorkspaceState.Terminated:
                throw new ApiException(
                    ErrorCodes.ResourceUnavailable,
                    $"The WorkSpace {ws.WorkspaceId} is {ws.State} and no longer available."
                )
                {
                    ResourceId = ws.WorkspaceId,
                };
            case not (
                WorkspaceState.Available
                or WorkspaceState.Stopped
                or WorkspaceState.Impaired
                or WorkspaceState.Unhealthy
            ):
                throw new ApiException(
                    ErrorCodes.InvalidResourceState,
                    $"The WorkSpace {ws.WorkspaceId} is {ws.State}; its properties can be modified when it is "
                        + "AVAILABLE or STOPPED."
                );
        }
    }

    /// <summary>Volumes only grow, and the compute type must be one this service's desktops can give.</summary>
    private void CheckReshape(WorkspaceRecord ws, WorkspaceProperties p)
    {
        if (p.ComputeTypeName is { } wanted && !desktops.Supports(ComputeTypes.Of(wanted)))
            throw new ApiException(
                ErrorCodes.UnsupportedWorkspaceConfiguration,
                $"The desktops of this service have no GPU: {wanted} cannot be given."
            );
        if (p.RootVolumeSizeGib is { } root && root < (ws.RootVolumeSizeGib ?? 0))
            throw Validate.Fail(
                "WorkspaceProperties.RootVolumeSizeGib",
                $"volumes can only grow: the root volume is {ws.RootVolumeSizeGib} GiB."
            );
        if (p.UserVolumeSizeGib is { } user && user < (ws.UserVolumeSizeGib ?? 0))
            throw Validate.Fail(
                "WorkspaceProperties.UserVolumeSizeGib",
                $"volumes can only grow: the user volume is {ws.UserVolumeSizeGib} GiB."
            );
    }

    private async Task ApplyAsync(IUnitOfWork u, WorkspaceRecord ws, WorkspaceProperties p)
    {
        CheckReshape(ws, p);
        await TakeShareAsync(u, ws, p);
        var now = lifecycle.Now;
        if (p.RunningMode is { } mode)
        {
            ws.RunningMode = mode;
            if (mode == RunningMode.AutoStop)
                ws.AutoStopTimeout ??= 60;
        }
        if (p.RunningModeAutoStopTimeoutInMinutes is { } timeout)
            ws.AutoStopTimeout = timeout;
        // Volumes and compute change the desktop itself: the workspace is UPDATING while that is applied.
        var reshaped =
            (p.RootVolumeSizeGib is { } root && root != ws.RootVolumeSizeGib)
            || (p.UserVolumeSizeGib is { } user && user != ws.UserVolumeSizeGib)
            || (p.ComputeTypeName is { } compute && compute != ws.ComputeTypeName);
        ws.RootVolumeSizeGib = p.RootVolumeSizeGib ?? ws.RootVolumeSizeGib;
        ws.UserVolumeSizeGib = p.UserVolumeSizeGib ?? ws.UserVolumeSizeGib;
        ws.ComputeTypeName = p.ComputeTypeName ?? ws.ComputeTypeName;
        ws.OperatingSystemName = p.OperatingSystemName ?? ws.OperatingSystemName;
        if (p.Protocols is { Count: > 0 } protocols)
            ws.Protocols = string.Join(",", protocols);
        if (reshaped)
        {
            var kind = ws.State == WorkspaceState.Stopped ? TransitionKind.ModifyStopped : TransitionKind.Modify;
            await lifecycle.BeginAsync(u, ws, WorkspaceState.Updating, kind, now);
            return;
        }
        await u.Workspaces.SaveAsync(ws);
        await lifecycle.ArmAutoStopAsync(u, ws, now);
    }

    /// <summary>A larger user volume, or a larger compute type while the desktop runs, is taken from the host's
    /// capacity in this transaction; ResourceUnavailableException, naming the short resource, when it has none.
    /// </summary>
    private static async Task TakeShareAsync(IUnitOfWork u, WorkspaceRecord ws, WorkspaceProperties p)
    {
        if (ws.HostId is not { } host)
            return;
        var running = WorkspaceState.Running.Contains(ws.State);
        var moreMemory =
            running && p.ComputeTypeName is { } compute
                ? (ComputeTypes.Of(compute).MemoryMiB - ComputeTypes.Of(ws.ComputeTypeName).MemoryMiB) * (1L << 20)
                : 0;
        var moreDisk =
            ((p.UserVolumeSizeGib ?? ws.UserVolumeSizeGib ?? 0) - (ws.UserVolumeSizeGib ?? 0)) * HostShare.GiB;
        if (moreMemory <= 0 && moreDisk <= 0)
            return;
        if (await new HostLedger(u).TakeAsync(host, HostShare.Modify(moreMemory, moreDisk)) is { } full)
            throw new ApiException(ErrorCodes.ResourceUnavailable, $"{ws.WorkspaceId} cannot be modified: {full}")
            {
                ResourceId = ws.WorkspaceId,
            };
    }
}
