using Cubicle.Domain;
using Cubicle.Protocol;
using Cubicle.Storage;

namespace Cubicle.Services.WorkSpaces;

/// <summary>The workspace reads: DescribeWorkspaces, DescribeWorkspacesConnectionStatus,
/// DescribeWorkspaceSnapshots and DescribeAccount. Pages cost what they hold (a keyset, not an offset).</summary>
public sealed class WorkspaceQueries(IDatabase db, PageTokens tokens)
{
    private const int DefaultPageSize = 25;

    public async Task<DescribeWorkspacesResult> DescribeAsync(CallContext ctx, DescribeWorkspacesRequest req)
    {
        ValidateDescribe(req);
        ctx.Authorize("DescribeWorkspaces", ctx.WorkspaceArn("*"));

        var limit = req.Limit ?? DefaultPageSize;
        var ids = req.WorkspaceIds?.Distinct().ToList();
        var hash = PageTokens.Hash(
            "DescribeWorkspaces",
            ctx.AccountId,
            ctx.Region,
            ids is null ? null : string.Join(",", ids),
            req.DirectoryId,
            req.UserName,
            req.BundleId,
            req.WorkspaceName
        );
        var after = req.NextToken is null ? 0 : tokens.Read(req.NextToken, hash);
        var query = new WorkspaceQuery(
            ctx.AccountId,
            ctx.Region,
            ids,
            req.DirectoryId,
            req.UserName,
            req.BundleId,
            req.WorkspaceName,
            after,
            limit + 1
        );
        return await RenderPageAsync(query, limit, hash);
    }

    private static void ValidateDescribe(DescribeWorkspacesRequest req)
    {
        Validate.Count(req.WorkspaceIds, 1, 25, "WorkspaceIds");
        Validate.Each(req.WorkspaceIds, Validate.WorkspaceIdPattern(), "WorkspaceIds");
        Validate.Length(req.DirectoryId, 10, 65, "DirectoryId");
        Validate.Pattern(req.DirectoryId, Validate.DirectoryIdPattern(), "DirectoryId");
        Validate.UserName(req.UserName, "UserName");
        Validate.Pattern(req.BundleId, Validate.BundleIdPattern(), "BundleId");
        Validate.Range(req.Limit, 1, 25, "Limit");
        Validate.PageToken(req.NextToken);
        Validate.Pattern(req.WorkspaceName, Validate.WorkspaceNamePattern(), "WorkspaceName");
        var filters =
            (req.WorkspaceIds is null ? 0 : 1)
            + (req.DirectoryId is null ? 0 : 1)
            + (req.BundleId is null ? 0 : 1)
            + (req.WorkspaceName is null ? 0 : 1);
        if (filters > 1)
            throw ApiException.InvalidParameter(
                "Only one of the filters BundleId, DirectoryId, WorkspaceIds and WorkspaceName can be "
                    + "specified at a time."
            );
        if (req.UserName is not null && req.DirectoryId is null)
            throw ApiException.InvalidParameter("UserName can only be used together with DirectoryId.");
    }

    /// <summary>One page, each workspace's JSON copied from its row; rows cached by another renderer version (an
    /// upgrade in progress) are rendered now from their records.</summary>
    private async Task<DescribeWorkspacesResult> RenderPageAsync(WorkspaceQuery query, int limit, uint hash)
    {
        var json = new PooledBuffer(limit * 512 + 512);
        try
        {
            var rows = await db.ReadAsync(u => u.Workspaces.ListRenderedAsync(query, json));
            var next = tokens.Cut(rows, limit, hash, r => r.Seq);
            List<long>? stale = null;
            foreach (var row in rows)
                if (row.JsonLength < 0 || row.Version != WorkspaceJson.Version)
                    (stale ??= []).Add(row.Seq);
            var fresh = stale is null
                ? null
                : (await db.ReadAsync(u => u.Workspaces.GetBySeqsAsync(stale))).ToDictionary(
                    w => w.Seq,
                    w => WorkspaceJson.Render(w).Utf8
                );
            var result = new List<RawJson>(rows.Count);
            var offset = 0;
            foreach (var row in rows)
            {
                if (fresh is not null && fresh.TryGetValue(row.Seq, out var rendered))
                    result.Add(new RawJson(rendered));
                else if (row.JsonLength >= 0 && row.Version == WorkspaceJson.Version)
                    result.Add(new RawJson(json.Slice(offset, row.JsonLength)));
                offset += Math.Max(0, row.JsonLength);
            }
            return new DescribeWorkspacesResult
            {
                Workspaces = result,
                NextToken = next,
                Buffer = json,
            };
        }
        catch
        {
            json.Dispose();
            throw;
        }
    }

    public async Task<DescribeWorkspacesConnectionStatusResult> ConnectionStatusAsync(
        CallContext ctx,
        DescribeWorkspacesConnectionStatusRequest req
    )
    {
        Validate.Count(req.WorkspaceIds, 1, 25, "WorkspaceIds");
        Validate.Each(req.WorkspaceIds, Validate.WorkspaceIdPattern(), "WorkspaceIds");
        Validate.PageToken(req.NextToken);
        ctx.Authorize("DescribeWorkspacesConnectionStatus", ctx.WorkspaceArn("*"));

        var ids = req.WorkspaceIds?.Distinct().ToList();
        var hash = PageTokens.Hash(
            "DescribeWorkspacesConnectionStatus",
            ctx.AccountId,
            ctx.Region,
            ids is null ? null : string.Join(",", ids)
        );
        var after = req.NextToken is null ? 0 : tokens.Read(req.NextToken, hash);
        var query = new WorkspaceQuery(
            ctx.AccountId,
            ctx.Region,
            ids,
            null,
            null,
            null,
            null,
            after,
            DefaultPageSize + 1
        );
        var rows = await db.ReadAsync(u => u.Workspaces.ListAsync(query));
        var next = tokens.Cut(rows, DefaultPageSize, hash, r => r.Seq);
        return new DescribeWorkspacesConnectionStatusResult
        {
            WorkspacesConnectionStatus = rows.Select(ws => new WorkspaceConnectionStatus
                {
                    WorkspaceId = ws.WorkspaceId,
                    ConnectionState = ws.State
                        is WorkspaceState.Available
                            or WorkspaceState.Impaired
                            or WorkspaceState.Unhealthy
                            or WorkspaceState.Pending
                            or WorkspaceState.Rebooting
                            or WorkspaceState.Rebuilding
                        ? ws.ConnectionState
                        : ConnectionState.Unknown,
                    ConnectionStateCheckTimestamp = Seconds(ws.ConnectionCheckedAt ?? ws.StateChangedAt),
                    LastKnownUserConnectionTimestamp = ws.LastConnectedAt is { } t ? Seconds(t) : null,
                })
                .ToList(),
            NextToken = next,
        };
    }

    private static double Seconds(long ms) => ms / 1000.0;

    public async Task<DescribeWorkspaceSnapshotsResult> DescribeSnapshotsAsync(
        CallContext ctx,
        DescribeWorkspaceSnapshotsRequest req
    )
    {
        var id = WorkspaceRules.WorkspaceId(req.WorkspaceId);
        ctx.Authorize("DescribeWorkspaceSnapshots", ctx.WorkspaceArn(id));
        var (ws, taken) = await db.ReadAsync(async u =>
        {
            var ws = await u.Workspaces.GetAsync(ctx.AccountId, ctx.Region, id);
            return (ws, ws is null ? [] : await u.Workspaces.SnapshotsAsync(ws.Seq));
        });
        if (ws is null || ws.State == WorkspaceState.Terminated)
            throw ApiException.NotFound($"The WorkSpace {id} could not be found.", id);
        // Each snapshot holds both volumes: a rebuild uses the user volume's, a restore both.
        var snapshots = taken.Select(t => new Snapshot { SnapshotTime = t / 1000.0 }).ToList();
        return new DescribeWorkspaceSnapshotsResult { RebuildSnapshots = snapshots, RestoreSnapshots = snapshots };
    }

    public Task<DescribeAccountResult> DescribeAccountAsync(CallContext ctx, DescribeAccountRequest req)
    {
        ctx.Authorize("DescribeAccount", "*");
        // Every workspace shares its host's hardware: there is no dedicated tenancy to offer.
        return Task.FromResult(new DescribeAccountResult { DedicatedTenancySupport = "DISABLED" });
    }
}
