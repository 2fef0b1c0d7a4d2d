using System.Security.Cryptography;
using System.Text.Json;
using Cubicle.Cluster;
using Cubicle.Desktops;
using Cubicle.Domain;
using Cubicle.Identity;
using Cubicle.Network;
using Cubicle.Protocol;
using Cubicle.Storage;

namespace Cubicle.Services.WorkSpaces;

/// <summary>The workspace actions: create, describe, modify, and the five batch state changes.</summary>
public sealed class WorkspaceService(
    IDatabase db,
    BundleCatalog bundles,
    Lifecycle lifecycle,
    PageTokens tokens,
    CubicleOptions options,
    IDesktopProvider desktops,
    NodeIdentity node,
    DirectoryUsers users
)
{
    private const int DefaultPageSize = 25;

    // ---------------------------------------------------------------- CreateWorkspaces

    public async Task<CreateWorkspacesResult> CreateAsync(CallContext ctx, CreateWorkspacesRequest req)
    {
        Validate.Required(req.Workspaces, "Workspaces");
        Validate.Count(req.Workspaces, 1, 25, "Workspaces");
        for (var i = 0; i < req.Workspaces!.Count; i++)
            ValidateRequest(req.Workspaces[i], $"Workspaces[{i}]");

        var failed = new List<FailedCreateWorkspaceRequest>();
        var pending = new List<Workspace>();
        var result = new CreateWorkspacesResult { FailedRequests = failed, PendingRequests = pending };
        // Users of AD Connector directories are looked up in the customer's directory first, outside the transaction.
        var external = await LookUpExternalUsersAsync(ctx, req.Workspaces);
        await db.WriteAsync(
            ctx.Journal,
            async u =>
            {
                // Per attempt: a transaction retried after a serialization failure starts again from nothing.
                failed.Clear();
                pending.Clear();
                var now = lifecycle.Now;
                // The account's row stays locked until commit: concurrent creations of one account, on any node, take
                // turns, so the quota, one workspace per user and the IP addresses are checked against committed state.
                var active = await u.Workspaces.LockAccountAsync(ctx.AccountId);
                var accepted = new List<(WorkspaceRequest Request, WorkspaceDirectory Directory, BundleInfo Bundle)>();
                var claimed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                var directories = new Dictionary<string, (DirectoryRecord?, WorkspaceDirectory?)>(
                    StringComparer.Ordinal
                );
                foreach (var item in req.Workspaces)
                {
                    var (error, directory, bundle) = await CheckAsync(ctx, u, item, claimed, directories, external);
                    if (error is { } e)
                        failed.Add(
                            new FailedCreateWorkspaceRequest
                            {
                                WorkspaceRequest = item,
                                ErrorCode = e.Code,
                                ErrorMessage = e.Message,
                            }
                        );
                    else
                        accepted.Add((item, directory!, bundle!));
                }

                if (accepted.Count > 0 && active + accepted.Count > options.WorkspaceQuota)
                    throw new ApiException(
                        ErrorCodes.ResourceLimitExceeded,
                        $"Your resource limits have been exceeded: account {ctx.AccountId} may hold "
                            + $"{options.WorkspaceQuota} WorkSpaces, holds {active}, and this request asks for "
                            + $"{accepted.Count} more."
                    );

                // Local desktops run on this node: it takes the new workspaces, as many as it has room for.
                var host = desktops.Capacity is null ? null : node.Name;
                var room = host is null ? int.MaxValue : await RoomAsync(u, host);
                foreach (var (item, directory, bundle) in accepted)
                {
                    var compute = ComputeTypes.Of(item.WorkspaceProperties?.ComputeTypeName ?? bundle.ComputeTypeName);
                    if (!desktops.Supports(compute))
                    {
                        failed.Add(
                            new FailedCreateWorkspaceRequest
                            {
                                WorkspaceRequest = item,
                                ErrorCode = ErrorCodes.ItemUnsupportedConfiguration,
                                ErrorMessage =
                                    $"The desktops of this service have no GPU: {compute.Name} cannot be given.",
                            }
                        );
                        continue;
                    }
                    if (room-- <= 0)
                    {
                        failed.Add(
                            new FailedCreateWorkspaceRequest
                            {
                                WorkspaceRequest = item,
                                ErrorCode = ErrorCodes.ItemInsufficientCapacity,
                                ErrorMessage =
                                    $"This host runs at most {desktops.Capacity} desktops at once and has "
                                    + "no room for another.",
                            }
                        );
                        continue;
                    }
                    var subnetIds = directory.SubnetIds ?? [];
                    string? ip = null,
                        subnet = null;
                    // Spread workspaces across the directory's subnets; fall over to the next when one is full.
                    var start = subnetIds.Count == 0 ? 0 : RandomNumberGenerator.GetInt32(subnetIds.Count);
                    for (var k = 0; k < subnetIds.Count && ip is null; k++)
                    {
                        subnet = subnetIds[(start + k) % subnetIds.Count];
                        ip = await IpAllocator.AllocateAsync(u, ctx.AccountId, subnet);
                    }
                    if (ip is null)
                    {
                        failed.Add(
                            new FailedCreateWorkspaceRequest
                            {
                                WorkspaceRequest = item,
                                ErrorCode = ErrorCodes.ItemSubnetFull,
                                ErrorMessage =
                                    $"The subnets of directory {item.DirectoryId} have no free IP address left.",
                            }
                        );
                        continue;
                    }

                    var p = item.WorkspaceProperties;
                    var mode = p?.RunningMode ?? RunningMode.AlwaysOn;
                    var ws = new WorkspaceRecord
                    {
                        WorkspaceId = NewId("ws-", 9),
                        AccountId = ctx.AccountId,
                        Region = ctx.Region,
                        DirectoryId = item.DirectoryId!,
                        UserName = item.UserName!,
                        BundleId = item.BundleId!,
                        State = WorkspaceState.Pending,
                        IpAddress = ip,
                        SubnetId = subnet,
                        ComputerName = "WSAMZN-" + NewId("", 8).ToUpperInvariant(),
                        RunningMode = mode,
                        AutoStopTimeout =
                            p?.RunningModeAutoStopTimeoutInMinutes ?? (mode == RunningMode.AutoStop ? 60 : null),
                        RootVolumeSizeGib = p?.RootVolumeSizeGib ?? bundle.RootGib,
                        UserVolumeSizeGib = p?.UserVolumeSizeGib ?? bundle.UserGib,
                        ComputeTypeName = p?.ComputeTypeName ?? bundle.ComputeTypeName,
                        Protocols = p?.Protocols is { Count: > 0 } protocols
                            ? string.Join(",", protocols)
                            : (bundle.OperatingSystemName.StartsWith("WINDOWS") ? "PCOIP" : "WSP"),
                        OperatingSystemName = p?.OperatingSystemName ?? bundle.OperatingSystemName,
                        RootVolumeEncryptionEnabled = item.RootVolumeEncryptionEnabled ?? false,
                        UserVolumeEncryptionEnabled = item.UserVolumeEncryptionEnabled ?? false,
                        VolumeEncryptionKey = string.IsNullOrEmpty(item.VolumeEncryptionKey)
                            ? null
                            : item.VolumeEncryptionKey,
                        WorkspaceName = item.WorkspaceName,
                        CreatedAt = now,
                        StateChangedAt = now,
                        ConnectionState = ConnectionState.Disconnected,
                        HostId = host,
                    };
                    await u.Workspaces.AddAsync(ws);
                    if (item.Tags is { Count: > 0 } tags)
                        await u.Tags.PutAsync(ctx.AccountId, ctx.Region, ws.WorkspaceId, Tag.Records(tags));
                    await lifecycle.QueueAsync(u, ws, TransitionKind.Provision, now);
                    pending.Add(WorkspaceJson.ToApi(ws));
                }
                if (pending.Count > 0)
                    await u.Workspaces.ChangeActiveCountAsync(ctx.AccountId, pending.Count);
                return result;
            }
        );
        return result;
    }

    private static void ValidateRequest(WorkspaceRequest w, string m)
    {
        Validate.Required(w.DirectoryId, $"{m}.DirectoryId");
        Validate.Length(w.DirectoryId, 10, 65, $"{m}.DirectoryId");
        Validate.Pattern(w.DirectoryId, Validate.DirectoryIdPattern(), $"{m}.DirectoryId");
        Validate.Required(w.UserName, $"{m}.UserName");
        Validate.UserName(w.UserName, $"{m}.UserName");
        Validate.Required(w.BundleId, $"{m}.BundleId");
        Validate.Pattern(w.BundleId, Validate.BundleIdPattern(), $"{m}.BundleId");
        Validate.Pattern(w.WorkspaceName, Validate.WorkspaceNamePattern(), $"{m}.WorkspaceName");
        Validate.Pattern(w.Ipv6Address, Validate.Ipv6Pattern(), $"{m}.Ipv6Address");
        WorkspaceRules.Properties(w.WorkspaceProperties, $"{m}.WorkspaceProperties");
        WorkspaceRules.Tags(w.Tags, $"{m}.Tags");
    }

    /// <summary>How many more desktops the host has room for; its row stays locked until commit, so concurrent
    /// placements on it take turns.</summary>
    private async Task<int> RoomAsync(IUnitOfWork u, string host)
    {
        await u.Hosts.LockAsync(host);
        return desktops.Capacity!.Value - await u.Workspaces.CountOnHostAsync(host, WorkspaceState.Running);
    }

    /// <summary>Why this item cannot be created (null when it can), and what it is created with.</summary>
    private async Task<(
        (string Code, string Message)? Error,
        WorkspaceDirectory? Directory,
        BundleInfo? Bundle
    )> CheckAsync(
        CallContext ctx,
        IUnitOfWork u,
        WorkspaceRequest item,
        HashSet<string> claimed,
        Dictionary<string, (DirectoryRecord?, WorkspaceDirectory?)> directories,
        Dictionary<string, string?> external
    )
    {
        if (
            item.WorkspaceProperties is
            { RunningMode: not RunningMode.AutoStop, RunningModeAutoStopTimeoutInMinutes: not null } p
        )
            return (
                Fail(
                    ErrorCodes.ItemAutoStopTimeoutNotApplicable,
                    "RunningModeAutoStopTimeoutInMinutes applies only to AUTO_STOP WorkSpaces, not to "
                        + $"{p.RunningMode ?? RunningMode.AlwaysOn} ones."
                ),
                null,
                null
            );
        if (
            !ctx.IsAllowed("CreateWorkspaces", ctx.DirectoryArn(item.DirectoryId!))
            || !ctx.IsAllowed("CreateWorkspaces", ctx.BundleArn(item.BundleId!))
        )
            return (
                Fail(
                    ErrorCodes.ItemAccessDenied,
                    $"User: {ctx.PrincipalArn ?? ctx.AccountId} is not authorized to perform: "
                        + $"workspaces:CreateWorkspaces with directory {item.DirectoryId} and bundle {item.BundleId}."
                ),
                null,
                null
            );
        var bundle = bundles.Find(item.BundleId!);
        if (bundle is null)
            return (Fail(ErrorCodes.ItemBundleNotFound, $"The bundle {item.BundleId} could not be found."), null, null);
        if (!directories.TryGetValue(item.DirectoryId!, out var found))
        {
            var row = await u.Directories.GetAsync(ctx.AccountId, ctx.Region, item.DirectoryId!);
            found = (
                row,
                row is null ? null : JsonSerializer.Deserialize(row.Body, ApiJsonContext.Default.WorkspaceDirectory)
            );
            directories[item.DirectoryId!] = found;
        }
        var (record, directory) = found;
        if (record is null)
            return (
                Fail(
                    ErrorCodes.ItemDirectoryNotFound,
                    $"The directory {item.DirectoryId} could not be found in account {ctx.AccountId}, "
                        + $"region {ctx.Region}."
                ),
                null,
                null
            );
        if (directory!.State != "REGISTERED")
            return (
                Fail(
                    ErrorCodes.ItemDirectoryState,
                    $"The directory {item.DirectoryId} is {directory.State}, not REGISTERED with WorkSpaces."
                ),
                null,
                null
            );
        var ds = await u.DsDirectories.GetAsync(ctx.AccountId, ctx.Region, item.DirectoryId!);
        if (ds is null || ds.Stage is not (DirectoryStages.Active or DirectoryStages.Impaired))
            return (
                Fail(
                    ErrorCodes.ItemDirectoryState,
                    $"The directory {item.DirectoryId} is {ds?.Stage ?? "gone"} in Directory Service."
                ),
                null,
                null
            );
        if (ds.Type == DirectoryUsers.AdConnector)
        {
            if (!external.TryGetValue(ExternalKey(item), out var problem) || problem is not null)
                return (
                    Fail(
                        problem == UserMissing ? ErrorCodes.ItemUserNotFound : ErrorCodes.ItemDirectoryState,
                        problem == UserMissing
                            ? $"The user {item.UserName} could not be found in the directory {item.DirectoryId}."
                            : $"The directory {item.DirectoryId} cannot reach its LDAP servers: {problem}"
                    ),
                    null,
                    null
                );
        }
        else if (await u.DsDirectories.GetUserAsync(ds.Seq, item.UserName!) is null)
            return (
                Fail(
                    ErrorCodes.ItemUserNotFound,
                    $"The user {item.UserName} could not be found in the directory {item.DirectoryId}."
                ),
                null,
                null
            );
        if (item.Tags is { } tags && tags.Select(t => t.Key).Distinct().Count() > TagService.MaxTagsPerResource)
            return (
                Fail(
                    ErrorCodes.ResourceLimitExceeded,
                    $"A WorkSpace can have at most {TagService.MaxTagsPerResource} tags."
                ),
                null,
                null
            );
        if (
            !claimed.Add(item.DirectoryId + "\n" + item.UserName)
            || await u.Workspaces.HasActiveAsync(ctx.AccountId, ctx.Region, item.DirectoryId!, item.UserName!)
        )
            return (
                Fail(
                    ErrorCodes.ItemWorkspaceExists,
                    $"The user {item.UserName} already has a WorkSpace in directory {item.DirectoryId}."
                ),
                null,
                null
            );
        return (null, directory, bundle);
    }

    private static (string Code, string Message) Fail(string code, string message) => (code, message);

    private const string UserMissing = "missing";

    private static string ExternalKey(WorkspaceRequest item) =>
        item.DirectoryId + "\n" + item.UserName!.ToLowerInvariant();

    /// <summary>For items in AD Connector directories: null when the user exists, <see cref="UserMissing"/> when not,
    /// or why the directory could not be asked.</summary>
    private async Task<Dictionary<string, string?>> LookUpExternalUsersAsync(
        CallContext ctx,
        List<WorkspaceRequest> items
    )
    {
        var found = new Dictionary<string, string?>(StringComparer.Ordinal);
        var byDirectory = new Dictionary<string, DsDirectoryRecord?>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (!byDirectory.TryGetValue(item.DirectoryId!, out var ds))
                byDirectory[item.DirectoryId!] = ds = await db.ReadAsync(u =>
                    u.DsDirectories.GetAsync(ctx.AccountId, ctx.Region, item.DirectoryId!)
                );
            if (ds?.Type != DirectoryUsers.AdConnector || found.ContainsKey(ExternalKey(item)))
                continue;
            try
            {
                found[ExternalKey(item)] = await users.ExistsAsync(ds, item.UserName!) ? null : UserMissing;
            }
            catch (LdapUnreachableException ex)
            {
                found[ExternalKey(item)] = ex.Message;
            }
        }
        return found;
    }

    // ---------------------------------------------------------------- DescribeWorkspaces

    public async Task<DescribeWorkspacesResult> DescribeAsync(CallContext ctx, DescribeWorkspacesRequest req)
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
        var json = new PooledBuffer(limit * 512 + 512);
        try
        {
            var rows = await db.ReadAsync(u => u.Workspaces.ListRenderedAsync(query, json));
            var next = tokens.Cut(rows, limit, hash, r => r.Seq);
            List<long>? stale = null;
            foreach (var row in rows)
                if (row.JsonLength < 0 || row.Version != WorkspaceJson.Version)
                    (stale ??= []).Add(row.Seq);
            // Rows cached by another renderer version (an upgrade in progress) are rendered now from their records.
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

    // ---------------------------------------------------------------- DescribeWorkspacesConnectionStatus

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

    // ---------------------------------------------------------------- ModifyWorkspaceProperties

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
                var now = lifecycle.Now;
                var ws =
                    await u.Workspaces.GetAsync(ctx.AccountId, ctx.Region, req.WorkspaceId!)
                    ?? throw ApiException.NotFound(
                        $"The WorkSpace {req.WorkspaceId} could not be found.",
                        req.WorkspaceId
                    );
                switch (ws.State)
                {
                    case WorkspaceState.Updating:
                        throw new ApiException(
                            ErrorCodes.OperationInProgress,
                            $"The properties of WorkSpace {ws.WorkspaceId} are currently being modified. "
                                + "Try again in a moment."
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
                            $"The WorkSpace {ws.WorkspaceId} is {ws.State}; its properties can be "
                                + "modified when it is AVAILABLE or STOPPED."
                        );
                }
                if (req.DataReplication == "PRIMARY_AS_SOURCE")
                    throw new ApiException(
                        ErrorCodes.UnsupportedWorkspaceConfiguration,
                        $"Data replication needs a standby WorkSpace, and WorkSpace {ws.WorkspaceId} has none."
                    );

                if (req.WorkspaceProperties is { } p)
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
                        (p.RootVolumeSizeGib is { } r2 && r2 != ws.RootVolumeSizeGib)
                        || (p.UserVolumeSizeGib is { } u2 && u2 != ws.UserVolumeSizeGib)
                        || (p.ComputeTypeName is { } c2 && c2 != ws.ComputeTypeName);
                    ws.RootVolumeSizeGib = p.RootVolumeSizeGib ?? ws.RootVolumeSizeGib;
                    ws.UserVolumeSizeGib = p.UserVolumeSizeGib ?? ws.UserVolumeSizeGib;
                    ws.ComputeTypeName = p.ComputeTypeName ?? ws.ComputeTypeName;
                    ws.OperatingSystemName = p.OperatingSystemName ?? ws.OperatingSystemName;
                    if (p.Protocols is { Count: > 0 } protocols)
                        ws.Protocols = string.Join(",", protocols);
                    if (reshaped)
                        await lifecycle.BeginAsync(
                            u,
                            ws,
                            WorkspaceState.Updating,
                            ws.State == WorkspaceState.Stopped ? TransitionKind.ModifyStopped : TransitionKind.Modify,
                            now
                        );
                    else
                    {
                        await u.Workspaces.SaveAsync(ws);
                        await lifecycle.ArmAutoStopAsync(u, ws, now);
                    }
                }
                return EmptyResult.Instance;
            }
        );
        return EmptyResult.Instance;
    }

    // ---------------------------------------------------------------- Reboot, Rebuild, Start, Stop, Terminate

    /// <summary>What a batch state change needs: the states it starts from (those of today's API reference), where
    /// it goes, and its work. <paramref name="FromIfStuck"/>: states it starts from only once the workspace has been
    /// in them for <see cref="Stuck"/>.</summary>
    private sealed record ChangeRule(
        string Action,
        string Verb,
        string[] From,
        string To,
        string Kind,
        bool NeedsStoppableMode,
        string[]? FromIfStuck = null
    );

    /// <summary>How long a workspace must have been REBOOTING before it may be rebooted again (the API reference:
    /// "only if your WorkSpace has been stuck in the REBOOTING state for over 20 minutes").</summary>
    private static readonly TimeSpan Stuck = TimeSpan.FromMinutes(20);

    private static readonly ChangeRule Reboot = new(
        "RebootWorkspaces",
        "rebooted",
        [WorkspaceState.Available, WorkspaceState.Unhealthy],
        WorkspaceState.Rebooting,
        TransitionKind.Reboot,
        false,
        [WorkspaceState.Rebooting]
    );
    private static readonly ChangeRule Rebuild = new(
        "RebuildWorkspaces",
        "rebuilt",
        [
            WorkspaceState.Available,
            WorkspaceState.Error,
            WorkspaceState.Unhealthy,
            WorkspaceState.Stopped,
            WorkspaceState.Rebooting,
        ],
        WorkspaceState.Rebuilding,
        TransitionKind.Rebuild,
        false
    );
    private static readonly ChangeRule Start = new(
        "StartWorkspaces",
        "started",
        [WorkspaceState.Stopped],
        WorkspaceState.Starting,
        TransitionKind.Start,
        true
    );
    private static readonly ChangeRule Stop = new(
        "StopWorkspaces",
        "stopped",
        [WorkspaceState.Available, WorkspaceState.Impaired, WorkspaceState.Unhealthy, WorkspaceState.Error],
        WorkspaceState.Stopping,
        TransitionKind.Stop,
        true
    );
    private static readonly ChangeRule Terminate = new(
        "TerminateWorkspaces",
        "terminated",
        [],
        WorkspaceState.Terminating,
        TransitionKind.Terminate,
        false
    );

    public Task<WorkspaceChangeResult> RebootAsync(CallContext ctx, RebootWorkspacesRequest req) =>
        ChangeAsync(ctx, Reboot, req.RebootWorkspaceRequests, "RebootWorkspaceRequests", 25);

    public Task<WorkspaceChangeResult> RebuildAsync(CallContext ctx, RebuildWorkspacesRequest req) =>
        ChangeAsync(ctx, Rebuild, req.RebuildWorkspaceRequests, "RebuildWorkspaceRequests", 1);

    public Task<WorkspaceChangeResult> StartAsync(CallContext ctx, StartWorkspacesRequest req) =>
        ChangeAsync(ctx, Start, req.StartWorkspaceRequests, "StartWorkspaceRequests", 25);

    public Task<WorkspaceChangeResult> StopAsync(CallContext ctx, StopWorkspacesRequest req) =>
        ChangeAsync(ctx, Stop, req.StopWorkspaceRequests, "StopWorkspaceRequests", 25);

    public Task<WorkspaceChangeResult> TerminateAsync(CallContext ctx, TerminateWorkspacesRequest req) =>
        ChangeAsync(ctx, Terminate, req.TerminateWorkspaceRequests, "TerminateWorkspaceRequests", 25);

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
            // StartRequest and StopRequest leave WorkspaceId optional in the model, but there is nothing to do without
            // one.
            Validate.Required(requests[i].WorkspaceId, $"{member}[{i}].WorkspaceId");
            Validate.Pattern(requests[i].WorkspaceId, Validate.WorkspaceIdPattern(), $"{member}[{i}].WorkspaceId");
        }

        var result = new WorkspaceChangeResult();
        await db.WriteAsync(
            ctx.Journal,
            async u =>
            {
                result.FailedRequests.Clear();
                var now = lifecycle.Now;
                // Every batch locks its rows in one order (by seq) before it reads them one by one: two batches of the
                // same workspaces wait for each other instead of deadlocking.
                if (requests.Count > 1)
                    await u.Workspaces.ListAsync(
                        new WorkspaceQuery(
                            ctx.AccountId,
                            ctx.Region,
                            [.. requests.Select(r => r.WorkspaceId!).Distinct()],
                            null,
                            null,
                            null,
                            null,
                            0,
                            requests.Count
                        )
                    );
                var rooms = new Dictionary<string, int>(StringComparer.Ordinal);
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var r in requests)
                {
                    var id = r.WorkspaceId!;
                    if (!seen.Add(id))
                        continue; // the same workspace twice in one batch is one request
                    if (!ctx.IsAllowed(rule.Action, ctx.WorkspaceArn(id)))
                    {
                        result.FailedRequests.Add(
                            Failed(
                                id,
                                ErrorCodes.ItemAccessDenied,
                                $"User: {ctx.PrincipalArn ?? ctx.AccountId} is not authorized to perform: "
                                    + $"workspaces:{rule.Action} on resource: {ctx.WorkspaceArn(id)}"
                            )
                        );
                        continue;
                    }
                    var ws = await u.Workspaces.GetAsync(ctx.AccountId, ctx.Region, id);
                    if (ws is null || (ws.State == WorkspaceState.Terminated && rule != Terminate))
                    {
                        result.FailedRequests.Add(
                            Failed(id, ErrorCodes.ItemWorkspaceNotFound, $"The WorkSpace {id} could not be found.")
                        );
                        continue;
                    }
                    if (rule == Terminate)
                    {
                        if (ws.State is WorkspaceState.Terminating or WorkspaceState.Terminated)
                            continue; // already on its way
                        if (ws.State == WorkspaceState.Suspended)
                        {
                            result.FailedRequests.Add(
                                Failed(
                                    id,
                                    ErrorCodes.ItemInvalidState,
                                    $"The WorkSpace {id} is SUSPENDED and cannot be terminated."
                                )
                            );
                            continue;
                        }
                    }
                    else
                    {
                        if (rule.NeedsStoppableMode && !RunningMode.IsStoppable(ws.RunningMode))
                        {
                            result.FailedRequests.Add(
                                Failed(
                                    id,
                                    ErrorCodes.ItemUnsupportedConfiguration,
                                    $"The WorkSpace {id} runs in {ws.RunningMode} mode; only AUTO_STOP and "
                                        + $"MANUAL WorkSpaces can be {rule.Verb}."
                                )
                            );
                            continue;
                        }
                        if (!Allows(rule, ws, now))
                        {
                            result.FailedRequests.Add(
                                Failed(
                                    id,
                                    ErrorCodes.ItemInvalidState,
                                    $"The WorkSpace {id} is {ws.State}; it can be {rule.Verb} only when "
                                        + $"it is {string.Join(" or ", rule.From)}"
                                        + (
                                            rule.FromIfStuck is { } stuck
                                                ? $", or {string.Join(" or ", stuck)} for over {Stuck.TotalMinutes} "
                                                    + "minutes."
                                                : "."
                                        )
                                )
                            );
                            continue;
                        }
                    }
                    if (rule == Start && ws.HostId is { } host && !await TakeRoomAsync(u, rooms, host))
                    {
                        result.FailedRequests.Add(
                            Failed(
                                id,
                                ErrorCodes.ItemInsufficientCapacity,
                                $"This host runs at most {desktops.Capacity} desktops at once and has no "
                                    + $"room to start {id}."
                            )
                        );
                        continue;
                    }
                    await lifecycle.BeginAsync(u, ws, rule.To, rule.Kind, now);
                }
                return result;
            }
        );
        return result;
    }

    private static bool Allows(ChangeRule rule, WorkspaceRecord ws, long now) =>
        Array.IndexOf(rule.From, ws.State) >= 0
        || (
            rule.FromIfStuck is { } stuck
            && Array.IndexOf(stuck, ws.State) >= 0
            && now - ws.StateChangedAt > (long)Stuck.TotalMilliseconds
        );

    /// <summary>Takes one place on the host, if it has one left (counted once per host and transaction).</summary>
    private async Task<bool> TakeRoomAsync(IUnitOfWork u, Dictionary<string, int> rooms, string host)
    {
        if (!rooms.TryGetValue(host, out var room))
            room = await RoomAsync(u, host);
        rooms[host] = room - 1;
        return room > 0;
    }

    private static FailedWorkspaceChangeRequest Failed(string id, string code, string message) =>
        new()
        {
            WorkspaceId = id,
            ErrorCode = code,
            ErrorMessage = message,
        };

    // ---------------------------------------------------------------- user connections (admin endpoint, desktops)

    // ---------------------------------------------------------------- snapshots, restore, maintenance, account

    public async Task<DescribeWorkspaceSnapshotsResult> DescribeSnapshotsAsync(
        CallContext ctx,
        DescribeWorkspaceSnapshotsRequest req
    )
    {
        var id = WorkspaceId(req.WorkspaceId);
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

    public async Task<EmptyResult> RestoreAsync(CallContext ctx, WorkspaceIdRequest req)
    {
        var id = WorkspaceId(req.WorkspaceId);
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
                await lifecycle.BeginAsync(u, ws, WorkspaceState.Restoring, TransitionKind.Restore, lifecycle.Now);
                return EmptyResult.Instance;
            }
        );
        return EmptyResult.Instance;
    }

    public async Task<EmptyResult> ModifyStateAsync(CallContext ctx, ModifyWorkspaceStateRequest req)
    {
        var id = WorkspaceId(req.WorkspaceId);
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

    public Task<DescribeAccountResult> DescribeAccountAsync(CallContext ctx, DescribeAccountRequest req)
    {
        ctx.Authorize("DescribeAccount", "*");
        // Every workspace shares its host's hardware: there is no dedicated tenancy to offer.
        return Task.FromResult(new DescribeAccountResult { DedicatedTenancySupport = "DISABLED" });
    }

    private static string WorkspaceId(string? id)
    {
        Validate.Required(id, "WorkspaceId");
        Validate.Pattern(id, Validate.WorkspaceIdPattern(), "WorkspaceId");
        return id!;
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
                if (ws.HostId is { } host && !await TakeRoomAsync(u, [], host))
                    return ws;
                await lifecycle.BeginAsync(u, ws, WorkspaceState.Starting, TransitionKind.Start, lifecycle.Now);
                return ws;
            }
        );

    /// <summary>Records a user connecting to or leaving their desktop; drives ConnectionState and AutoStop.</summary>
    public Task<WorkspaceRecord> RecordConnectionAsync(string workspaceId, bool connected) =>
        RecordConnectionAsync(Journal.Service, null, workspaceId, connected);

    /// <summary>
    /// The same, as an API call of an account (the admin action) or for the service (the desktop bridge).
    /// </summary>
    public Task<WorkspaceRecord> RecordConnectionAsync(
        Journal journal,
        CallContext? ctx,
        string workspaceId,
        bool connected
    ) =>
        db.WriteAsync(
            journal,
            async u =>
            {
                var now = lifecycle.Now;
                var ws =
                    (
                        ctx is null
                            ? await u.Workspaces.GetByIdAsync(workspaceId)
                            : await u.Workspaces.GetAsync(ctx.AccountId, ctx.Region, workspaceId)
                    ) ?? throw ApiException.NotFound($"The WorkSpace {workspaceId} could not be found.", workspaceId);
                if (connected && ws.State != WorkspaceState.Available)
                    throw new ApiException(
                        ErrorCodes.InvalidResourceState,
                        $"The WorkSpace {workspaceId} is {ws.State}; a user can connect only when it is AVAILABLE."
                    );
                ws.ConnectionCheckedAt = now;
                if (connected)
                {
                    ws.ConnectionState = ConnectionState.Connected;
                    ws.LastConnectedAt = now;
                    ws.DisconnectedAt = null;
                }
                else if (ws.ConnectionState == ConnectionState.Connected)
                {
                    ws.ConnectionState = ConnectionState.Disconnected;
                    ws.LastConnectedAt = now; // the last moment the user was known to be connected
                    ws.DisconnectedAt = now;
                }
                await u.Workspaces.SaveAsync(ws);
                await lifecycle.ArmAutoStopAsync(u, ws, now);
                return ws;
            }
        );

    private static string NewId(string prefix, int length) =>
        prefix + new string(RandomNumberGenerator.GetItems<char>("0123456789abcdefghijklmnopqrstuvwxyz", length));
}
