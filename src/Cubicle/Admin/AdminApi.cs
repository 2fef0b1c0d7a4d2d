using Cubicle.Desktops;
using Cubicle.Protocol;
using Cubicle.Storage;
using Cubicle.Workspaces;

namespace Cubicle.Admin;

/// <summary>
/// Operator actions that AWS has no API for, served like the AWS APIs (X-Amz-Target "CubicleAdmin.Action", SigV4
/// signed for the service "cubicle", IAM actions "cubicle:Action", audited): record a user connecting to or leaving
/// a workspace (what real desktops report by themselves), and snapshot a user volume now.
/// </summary>
public sealed class AdminApi(WorkspaceService workspaces, IDatabase db, TimeProvider time, IDesktopProvider desktops)
{
    public const string TargetPrefix = "CubicleAdmin";

    public ServiceApi Api
    {
        get
        {
            var j = AdminJsonContext.Default;
            return new(TargetPrefix, "cubicle",
            [
                new Operation<RecordConnectionRequest, RecordConnectionResult>("RecordConnection", j.RecordConnectionRequest,
                    j.RecordConnectionResult, RecordConnectionAsync),
                new Operation<CreateSnapshotRequest, CreateSnapshotResult>("CreateSnapshot", j.CreateSnapshotRequest,
                    j.CreateSnapshotResult, CreateSnapshotAsync),
            ]);
        }
    }

    public async Task<RecordConnectionResult> RecordConnectionAsync(CallContext ctx, RecordConnectionRequest req)
    {
        Validate.Required(req.WorkspaceId, "WorkspaceId");
        Validate.Pattern(req.WorkspaceId, Validate.WorkspaceIdPattern(), "WorkspaceId");
        Validate.Required(req.ConnectionState, "ConnectionState");
        Validate.OneOf(req.ConnectionState, [ConnectionState.Connected, ConnectionState.Disconnected], "ConnectionState");
        ctx.Authorize("RecordConnection", ctx.WorkspaceArn(req.WorkspaceId!));
        var ws = await workspaces.RecordConnectionAsync(ctx.Journal, ctx, req.WorkspaceId!,
            req.ConnectionState == ConnectionState.Connected);
        return new RecordConnectionResult { WorkspaceId = ws.WorkspaceId, ConnectionState = ws.ConnectionState };
    }

    public async Task<CreateSnapshotResult> CreateSnapshotAsync(CallContext ctx, CreateSnapshotRequest req)
    {
        Validate.Required(req.WorkspaceId, "WorkspaceId");
        Validate.Pattern(req.WorkspaceId, Validate.WorkspaceIdPattern(), "WorkspaceId");
        ctx.Authorize("CreateSnapshot", ctx.WorkspaceArn(req.WorkspaceId!));
        var ws = await db.ReadAsync(u => u.Workspaces.GetAsync(ctx.AccountId, ctx.Region, req.WorkspaceId!));
        if (ws is null || ws.State is WorkspaceState.Terminated or WorkspaceState.Terminating)
            throw ApiException.NotFound($"The WorkSpace {req.WorkspaceId} could not be found.", req.WorkspaceId);
        var at = time.GetUtcNow();
        await desktops.SnapshotAsync(ws, at, CancellationToken.None);
        var result = new CreateSnapshotResult { WorkspaceId = ws.WorkspaceId, SnapshotTime = at.ToUnixTimeMilliseconds() / 1000.0 };
        // Recorded once taken: DescribeWorkspaceSnapshots lists it, a rebuild or restore may use it.
        return await db.WriteAsync(ctx.Journal, async u =>
        {
            await u.Workspaces.AddSnapshotAsync(ws.Seq, at.ToUnixTimeMilliseconds());
            return result;
        });
    }
}
