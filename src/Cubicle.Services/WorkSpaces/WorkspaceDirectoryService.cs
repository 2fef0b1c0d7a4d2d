using System.Text.Json;
using Cubicle.Domain;
using Cubicle.Protocol;
using Cubicle.Storage;

namespace Cubicle.Services.WorkSpaces;

/// <summary>
/// WorkSpaces directories: the Directory Service directories registered with WorkSpaces (RegisterWorkspaceDirectory,
/// DeregisterWorkspaceDirectory), their settings (creation defaults, self-service, device access) and the listing.
/// </summary>
public sealed class WorkspaceDirectoryService(IDatabase db, PageTokens tokens, RegistrationLifecycle lifecycle)
{
    private const int PageSize = 25;

    public async Task<DescribeWorkspaceDirectoriesResult> DescribeAsync(
        CallContext ctx,
        DescribeWorkspaceDirectoriesRequest req
    )
    {
        RegistrationRules.Describe(req);
        ctx.Authorize("DescribeWorkspaceDirectories", ctx.DirectoryArn("*"));

        var limit = req.Limit ?? PageSize;
        var hash = PageTokens.Hash(
            "DescribeWorkspaceDirectories",
            ctx.AccountId,
            ctx.Region,
            Join(req.DirectoryIds),
            Join(req.WorkspaceDirectoryNames),
            req.Filters is null ? null : string.Join(";", req.Filters.Select(f => f.Name + "=" + Join(f.Values)))
        );
        var after = req.NextToken is null ? 0 : tokens.Read(req.NextToken, hash);

        var (result, next) = await ReadPageAsync(ctx, req, after, limit, hash);
        return new DescribeWorkspaceDirectoriesResult { Directories = result, NextToken = next };
    }

    /// <summary>Filters are matched on the stored document, so it reads on until the page is full or the table
    /// ends.</summary>
    private async Task<(List<WorkspaceDirectory>, string?)> ReadPageAsync(
        CallContext ctx,
        DescribeWorkspaceDirectoriesRequest req,
        long after,
        int limit,
        uint hash
    )
    {
        var result = new List<WorkspaceDirectory>(limit);
        string? next = null;
        var lastTaken = after;
        while (next is null)
        {
            var from = after;
            var rows = await db.ReadAsync(u =>
                u.Registrations.ListAsync(
                    ctx.AccountId,
                    ctx.Region,
                    req.DirectoryIds,
                    req.WorkspaceDirectoryNames,
                    from,
                    limit + 1
                )
            );
            foreach (var row in rows)
            {
                after = row.Seq;
                var d = JsonSerializer.Deserialize(row.Body, ApiJsonContext.Default.WorkspaceDirectory)!;
                if (!Matches(d, req.Filters))
                    continue;
                if (result.Count == limit)
                {
                    next = tokens.Issue(hash, lastTaken);
                    break;
                }
                result.Add(d);
                lastTaken = row.Seq;
            }
            if (rows.Count <= limit)
                break;
        }
        return (result, next);
    }

    private static bool Matches(WorkspaceDirectory d, List<DescribeWorkspaceDirectoriesFilter>? filters)
    {
        if (filters is null)
            return true;
        foreach (var f in filters)
        {
            var value = f.Name == "USER_IDENTITY_TYPE" ? d.UserIdentityType : d.WorkspaceType;
            if (!f.Values!.Contains(value ?? ""))
                return false;
        }
        return true;
    }

    private static string? Join(List<string>? values) => values is null ? null : string.Join(",", values);

    // ---------------------------------------------------------------- RegisterWorkspaceDirectory

    public async Task<RegisterWorkspaceDirectoryResult> RegisterAsync(
        CallContext ctx,
        RegisterWorkspaceDirectoryRequest req
    )
    {
        RegistrationRules.Register(req);
        ctx.Authorize("RegisterWorkspaceDirectory", ctx.DirectoryArn(req.DirectoryId!));
        return await db.WriteAsync(ctx.Journal, u => RegisterInAsync(u, ctx, req));
    }

    private async Task<RegisterWorkspaceDirectoryResult> RegisterInAsync(
        IUnitOfWork u,
        CallContext ctx,
        RegisterWorkspaceDirectoryRequest req
    )
    {
        var ds =
            await u.DsDirectories.GetAsync(ctx.AccountId, ctx.Region, req.DirectoryId!)
            ?? throw ApiException.NotFound(
                $"The directory {req.DirectoryId} could not be found in Directory Service.",
                req.DirectoryId
            );
        if (await u.Registrations.GetAsync(ctx.AccountId, ctx.Region, ds.DirectoryId) is not null)
            throw new ApiException(
                ErrorCodes.ResourceAlreadyExists,
                $"The directory {ds.DirectoryId} is already registered with WorkSpaces."
            );
        if (ds.Stage != DirectoryStages.Active)
            throw new ApiException(
                ErrorCodes.InvalidResourceState,
                $"The directory {ds.DirectoryId} is {ds.Stage}; only an Active directory can be registered."
            );
        var subnets = req.SubnetIds is { Count: > 0 } given
            ? given
            : ds.SubnetIds?.Split(',', StringSplitOptions.RemoveEmptyEntries).ToList() ?? [];
        var body = Registrations.NewBody(
            ds,
            subnets,
            "REGISTERING",
            req.EnableSelfService ?? false,
            req.Tenancy ?? "SHARED"
        );
        body.WorkspaceDirectoryName = req.WorkspaceDirectoryName;
        body.WorkspaceDirectoryDescription = req.WorkspaceDirectoryDescription;
        if (req.EnableWorkDocs is { } workDocs)
            body.WorkspaceCreationProperties!.EnableWorkDocs = workDocs;
        var row = new RegistrationRecord
        {
            AccountId = ctx.AccountId,
            Region = ctx.Region,
            DirectoryId = ds.DirectoryId,
        };
        await Registrations.SaveAsync(u, row, body);
        await Registrations.AddSubnetsAsync(u, ctx.AccountId, subnets);
        if (req.Tags is { Count: > 0 } tags)
            await u.Tags.PutAsync(ctx.AccountId, ctx.Region, ds.DirectoryId, Tag.Records(tags));
        await lifecycle.QueueAsync(u, row, DirectoryJobs.Register);
        return new RegisterWorkspaceDirectoryResult { DirectoryId = ds.DirectoryId, State = "REGISTERING" };
    }

    // ---------------------------------------------------------------- DeregisterWorkspaceDirectory

    public async Task<EmptyResult> DeregisterAsync(CallContext ctx, DeregisterWorkspaceDirectoryRequest req)
    {
        Validate.Required(req.DirectoryId, "DirectoryId");
        Validate.Length(req.DirectoryId, 10, 65, "DirectoryId");
        Validate.Pattern(req.DirectoryId, Validate.DirectoryIdPattern(), "DirectoryId");
        ctx.Authorize("DeregisterWorkspaceDirectory", ctx.DirectoryArn(req.DirectoryId!));
        await db.WriteAsync(
            ctx.Journal,
            async u =>
            {
                // The account's lock first, as CreateWorkspaces takes it before the registration: no workspace is
                // being created in the directory meanwhile, and the two never wait for each other in a circle.
                await u.Workspaces.LockAccountAsync(ctx.AccountId);
                var row = await Registered(u, ctx, req.DirectoryId!);
                var body = Registrations.Parse(row);
                if (body.State == "DEREGISTERING")
                    return EmptyResult.Instance;
                var active = await u.Workspaces.CountActiveInDirectoryAsync(ctx.AccountId, ctx.Region, row.DirectoryId);
                if (active > 0)
                    throw new ApiException(
                        ErrorCodes.InvalidResourceState,
                        $"The directory {row.DirectoryId} still has {active} WorkSpace(s): terminate them "
                            + "before deregistering it."
                    );
                body.State = "DEREGISTERING";
                await Registrations.SaveAsync(u, row, body);
                await lifecycle.QueueAsync(u, row, DirectoryJobs.Deregister);
                return EmptyResult.Instance;
            }
        );
        return EmptyResult.Instance;
    }

    // ---------------------------------------------------------------- the settings of a registration

    public Task<EmptyResult> ModifyCreationPropertiesAsync(
        CallContext ctx,
        ModifyWorkspaceCreationPropertiesRequest req
    )
    {
        Resource(req.ResourceId);
        Validate.Required(req.WorkspaceCreationProperties, "WorkspaceCreationProperties");
        var p = req.WorkspaceCreationProperties!;
        Validate.Pattern(
            p.CustomSecurityGroupId,
            Validate.SecurityGroupIdPattern(),
            "WorkspaceCreationProperties.CustomSecurityGroupId"
        );
        Validate.Length(p.CustomSecurityGroupId, 11, 20, "WorkspaceCreationProperties.CustomSecurityGroupId");
        Validate.Pattern(p.InstanceIamRoleArn, Validate.ArnPattern(), "WorkspaceCreationProperties.InstanceIamRoleArn");
        Validate.Length(p.DefaultOu, 1, 255, "WorkspaceCreationProperties.DefaultOu");
        return ModifyAsync(
            ctx,
            "ModifyWorkspaceCreationProperties",
            req.ResourceId!,
            body =>
            {
                var c = body.WorkspaceCreationProperties ??= new DefaultWorkspaceCreationProperties();
                c.EnableWorkDocs = p.EnableWorkDocs ?? c.EnableWorkDocs;
                c.EnableInternetAccess = p.EnableInternetAccess ?? c.EnableInternetAccess;
                c.DefaultOu = p.DefaultOu ?? c.DefaultOu;
                c.CustomSecurityGroupId = p.CustomSecurityGroupId ?? c.CustomSecurityGroupId;
                c.UserEnabledAsLocalAdministrator =
                    p.UserEnabledAsLocalAdministrator ?? c.UserEnabledAsLocalAdministrator;
                c.EnableMaintenanceMode = p.EnableMaintenanceMode ?? c.EnableMaintenanceMode;
                c.InstanceIamRoleArn = p.InstanceIamRoleArn ?? c.InstanceIamRoleArn;
            }
        );
    }

    public Task<EmptyResult> ModifySelfservicePermissionsAsync(CallContext ctx, ModifySelfservicePermissionsRequest req)
    {
        Resource(req.ResourceId);
        Validate.Required(req.SelfservicePermissions, "SelfservicePermissions");
        var p = req.SelfservicePermissions!;
        string[] values = ["ENABLED", "DISABLED"];
        Validate.OneOf(p.RestartWorkspace, values, "SelfservicePermissions.RestartWorkspace");
        Validate.OneOf(p.IncreaseVolumeSize, values, "SelfservicePermissions.IncreaseVolumeSize");
        Validate.OneOf(p.ChangeComputeType, values, "SelfservicePermissions.ChangeComputeType");
        Validate.OneOf(p.SwitchRunningMode, values, "SelfservicePermissions.SwitchRunningMode");
        Validate.OneOf(p.RebuildWorkspace, values, "SelfservicePermissions.RebuildWorkspace");
        return ModifyAsync(
            ctx,
            "ModifySelfservicePermissions",
            req.ResourceId!,
            body =>
            {
                var c = body.SelfservicePermissions ??= new SelfservicePermissions();
                c.RestartWorkspace = p.RestartWorkspace ?? c.RestartWorkspace;
                c.IncreaseVolumeSize = p.IncreaseVolumeSize ?? c.IncreaseVolumeSize;
                c.ChangeComputeType = p.ChangeComputeType ?? c.ChangeComputeType;
                c.SwitchRunningMode = p.SwitchRunningMode ?? c.SwitchRunningMode;
                c.RebuildWorkspace = p.RebuildWorkspace ?? c.RebuildWorkspace;
            }
        );
    }

    public Task<EmptyResult> ModifyAccessPropertiesAsync(CallContext ctx, ModifyWorkspaceAccessPropertiesRequest req)
    {
        Resource(req.ResourceId);
        Validate.Required(req.WorkspaceAccessProperties, "WorkspaceAccessProperties");
        var p = req.WorkspaceAccessProperties!;
        string[] values = ["ALLOW", "DENY"];
        var m = "WorkspaceAccessProperties.";
        Validate.OneOf(p.DeviceTypeWindows, values, m + "DeviceTypeWindows");
        Validate.OneOf(p.DeviceTypeOsx, values, m + "DeviceTypeOsx");
        Validate.OneOf(p.DeviceTypeWeb, values, m + "DeviceTypeWeb");
        Validate.OneOf(p.DeviceTypeIos, values, m + "DeviceTypeIos");
        Validate.OneOf(p.DeviceTypeAndroid, values, m + "DeviceTypeAndroid");
        Validate.OneOf(p.DeviceTypeChromeOs, values, m + "DeviceTypeChromeOs");
        Validate.OneOf(p.DeviceTypeZeroClient, values, m + "DeviceTypeZeroClient");
        Validate.OneOf(p.DeviceTypeLinux, values, m + "DeviceTypeLinux");
        Validate.OneOf(p.DeviceTypeWorkSpacesThinClient, values, m + "DeviceTypeWorkSpacesThinClient");
        if (p.AccessEndpointConfig is { } endpoints)
        {
            Validate.Required(endpoints.AccessEndpoints, m + "AccessEndpointConfig.AccessEndpoints");
            for (var i = 0; i < endpoints.AccessEndpoints!.Count; i++)
                Validate.OneOf(
                    endpoints.AccessEndpoints[i].AccessEndpointType,
                    ["STREAMING_WSP"],
                    $"{m}AccessEndpointConfig.AccessEndpoints[{i}].AccessEndpointType"
                );
        }
        return ModifyAsync(
            ctx,
            "ModifyWorkspaceAccessProperties",
            req.ResourceId!,
            body =>
            {
                var c = body.WorkspaceAccessProperties ??= new WorkspaceAccessProperties();
                c.DeviceTypeWindows = p.DeviceTypeWindows ?? c.DeviceTypeWindows;
                c.DeviceTypeOsx = p.DeviceTypeOsx ?? c.DeviceTypeOsx;
                c.DeviceTypeWeb = p.DeviceTypeWeb ?? c.DeviceTypeWeb;
                c.DeviceTypeIos = p.DeviceTypeIos ?? c.DeviceTypeIos;
                c.DeviceTypeAndroid = p.DeviceTypeAndroid ?? c.DeviceTypeAndroid;
                c.DeviceTypeChromeOs = p.DeviceTypeChromeOs ?? c.DeviceTypeChromeOs;
                c.DeviceTypeZeroClient = p.DeviceTypeZeroClient ?? c.DeviceTypeZeroClient;
                c.DeviceTypeLinux = p.DeviceTypeLinux ?? c.DeviceTypeLinux;
                c.DeviceTypeWorkSpacesThinClient = p.DeviceTypeWorkSpacesThinClient ?? c.DeviceTypeWorkSpacesThinClient;
                c.AccessEndpointConfig = p.AccessEndpointConfig ?? c.AccessEndpointConfig;
            }
        );
    }

    private static void Resource(string? id)
    {
        Validate.Required(id, "ResourceId");
        Validate.Length(id, 10, 65, "ResourceId");
        Validate.Pattern(id, Validate.DirectoryIdPattern(), "ResourceId");
    }

    private async Task<EmptyResult> ModifyAsync(
        CallContext ctx,
        string action,
        string id,
        Action<WorkspaceDirectory> change
    )
    {
        ctx.Authorize(action, ctx.DirectoryArn(id));
        await db.WriteAsync(
            ctx.Journal,
            async u =>
            {
                var row = await Registered(u, ctx, id);
                var body = Registrations.Parse(row);
                change(body);
                await Registrations.SaveAsync(u, row, body);
                return EmptyResult.Instance;
            }
        );
        return EmptyResult.Instance;
    }

    private static async Task<RegistrationRecord> Registered(IUnitOfWork u, CallContext ctx, string id) =>
        await u.Registrations.GetAsync(ctx.AccountId, ctx.Region, id)
        ?? throw ApiException.NotFound($"The directory {id} is not registered with WorkSpaces.", id);
}
