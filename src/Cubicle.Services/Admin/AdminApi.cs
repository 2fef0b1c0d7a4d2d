using Cubicle.Cluster;
using Cubicle.Domain;
using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;

namespace Cubicle.Services.Admin;

/// <summary>
/// Operator actions that AWS has no API for, served like the AWS APIs (X-Amz-Target "CubicleAdmin.Action", SigV4
/// signed for the service "cubicle", IAM actions "cubicle:Action", audited): record a user connecting to or leaving
/// a workspace (what real desktops report by themselves), snapshot a user volume now, and describe the desktop hosts
/// (their capacity, what is promised of it and what is used).
/// </summary>
public sealed class AdminApi(
    WorkspaceConnections connections,
    IDatabase db,
    TimeProvider time,
    WorkspaceLifecycle lifecycle,
    HostDescriptions hosts
)
{
    public const string TargetPrefix = "CubicleAdmin";

    public ServiceApi Api
    {
        get
        {
            var j = AdminJsonContext.Default;
            return new(
                TargetPrefix,
                "cubicle",
                [
                    Op.Change(
                        "RecordConnection",
                        j.RecordConnectionRequest,
                        j.RecordConnectionResult,
                        RecordConnectionAsync
                    ),
                    Op.Change("CreateSnapshot", j.CreateSnapshotRequest, j.CreateSnapshotResult, CreateSnapshotAsync),
                    Op.Read("DescribeHosts", j.DescribeHostsRequest, j.DescribeHostsResult, hosts.DescribeAsync),
                ]
            );
        }
    }

    public async Task<RecordConnectionResult> RecordConnectionAsync(CallContext ctx, RecordConnectionRequest req)
    {
        Validate.Required(req.WorkspaceId, "WorkspaceId");
        Validate.Pattern(req.WorkspaceId, Validate.WorkspaceIdPattern(), "WorkspaceId");
        Validate.Required(req.ConnectionState, "ConnectionState");
        Validate.OneOf(
            req.ConnectionState,
            [ConnectionState.Connected, ConnectionState.Disconnected],
            "ConnectionState"
        );
        ctx.Authorize("RecordConnection", ctx.WorkspaceArn(req.WorkspaceId!));
        var ws = await connections.RecordConnectionAsync(
            ctx.Journal,
            ctx,
            req.WorkspaceId!,
            req.ConnectionState == ConnectionState.Connected
        );
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
        await RefuseBelowReserveAsync(ws);
        // Taken by a snapshot job on the workspace's host, as the periodic ones are (whichever node got this call,
        // under the job's lease and the desktop's lock); the call answers once it is recorded.
        var queuedAt = time.GetUtcNow().ToUnixTimeMilliseconds();
        var job = await db.WriteAsync(
            ctx.Journal,
            async u =>
            {
                var current = await u.Workspaces.GetBySeqAsync(ws.Seq);
                if (current is null || current.State is WorkspaceState.Terminated or WorkspaceState.Terminating)
                    throw ApiException.NotFound(
                        $"The WorkSpace {req.WorkspaceId} could not be found.",
                        req.WorkspaceId
                    );
                return await lifecycle.ScheduleSnapshotAsync(u, current, queuedAt);
            }
        );
        var deadline = time.GetUtcNow() + SnapshotWait;
        while (time.GetUtcNow() < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), time);
            var (taken, pending) = await db.ReadAsync(async u =>
                (
                    (await u.Workspaces.SnapshotsAsync(ws.Seq)).Where(t => t >= queuedAt).DefaultIfEmpty().Max(),
                    await u.Jobs.GetAsync(job) is not null
                )
            );
            if (taken > 0)
                return new CreateSnapshotResult { WorkspaceId = ws.WorkspaceId, SnapshotTime = taken / 1000.0 };
            if (!pending)
                throw new ApiException(
                    ErrorCodes.ServiceUnavailable,
                    $"The snapshot of {ws.WorkspaceId} failed; the server's log says why.",
                    503
                );
        }
        throw new ApiException(
            ErrorCodes.OperationInProgress,
            $"The snapshot of {ws.WorkspaceId} is still being taken; DescribeWorkspaceSnapshots lists it once taken."
        );
    }

    private static readonly TimeSpan SnapshotWait = TimeSpan.FromMinutes(2);

    /// <summary>A snapshot writes: none is taken while its host's disk is below its reserve.</summary>
    private async Task RefuseBelowReserveAsync(WorkspaceRecord ws)
    {
        var host = ws.HostId is { } name ? await db.ReadAsync(u => u.Hosts.GetAsync(name)) : null;
        if (host is not null && HostLoads.CapacityOf(host) is { BelowReserve: true } c)
            throw new ApiException(
                ErrorCodes.ResourceUnavailable,
                $"No snapshot of {ws.WorkspaceId} is taken: the disk of host {c.Host} is below its reserve "
                    + $"({c.DiskFreeBytes / (double)HostShare.GiB:0.#} GiB free, "
                    + $"{c.DiskReserveBytes / (double)HostShare.GiB:0.#} GiB kept)."
            )
            {
                ResourceId = ws.WorkspaceId,
            };
    }
}
