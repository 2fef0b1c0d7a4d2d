using System.Security.Cryptography;
using Cubicle.Cluster;
using Cubicle.Desktops;
using Cubicle.Domain;
using Cubicle.Identity;
using Cubicle.Network;
using Cubicle.Protocol;
using Cubicle.Storage;

namespace Cubicle.Services.WorkSpaces;

/// <summary>CreateWorkspaces: each item checked, placed on a host with room and an address of its directory's
/// subnets, and queued to be provisioned; refused items are reported and the others go through.</summary>
public sealed class WorkspaceCreation(
    IDatabase db,
    BundleCatalog bundles,
    WorkspaceLifecycle lifecycle,
    CubicleOptions options,
    IDesktopProvider desktops,
    NodeIdentity node,
    DirectoryUsers users
)
{
    public async Task<CreateWorkspacesResult> CreateAsync(CallContext ctx, CreateWorkspacesRequest req)
    {
        Validate.Required(req.Workspaces, "Workspaces");
        Validate.Count(req.Workspaces, 1, 25, "Workspaces");
        for (var i = 0; i < req.Workspaces!.Count; i++)
            ValidateRequest(req.Workspaces[i], $"Workspaces[{i}]");
        // Users of AD Connector directories are looked up in the customer's directory first, outside the transaction.
        var external = await LookUpExternalUsersAsync(ctx, req.Workspaces);
        // Built again on each attempt: a transaction run again after a conflict starts from nothing.
        return await db.WriteAsync(ctx.Journal, u => CreateInAsync(u, ctx, req.Workspaces, external));
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

    private async Task<CreateWorkspacesResult> CreateInAsync(
        IUnitOfWork u,
        CallContext ctx,
        List<WorkspaceRequest> items,
        Dictionary<string, UserLookup> external
    )
    {
        var failed = new List<FailedCreateWorkspaceRequest>();
        var pending = new List<Workspace>();
        // The account's row stays locked until commit: concurrent creations of one account, on any node, take
        // turns, so the quota, one workspace per user and the IP addresses are checked against committed state.
        var active = await u.Workspaces.LockAccountAsync(ctx.AccountId);
        var checks = new CreationChecks(ctx, u, bundles, external);
        var accepted = new List<(WorkspaceRequest Item, CreationCheck Check)>();
        foreach (var item in items)
        {
            var check = await checks.CheckAsync(item);
            if (check.Failure is { } refused)
                failed.Add(refused.For(item));
            else
                accepted.Add((item, check));
        }
        if (accepted.Count > 0 && active + accepted.Count > options.WorkspaceQuota)
            throw new ApiException(
                ErrorCodes.ResourceLimitExceeded,
                $"Your resource limits have been exceeded: account {ctx.AccountId} may hold "
                    + $"{options.WorkspaceQuota} WorkSpaces, holds {active}, and this request asks for "
                    + $"{accepted.Count} more."
            );
        var ledger = new HostLedger(u);
        var now = lifecycle.Now;
        foreach (var (item, check) in accepted)
        {
            var (refused, ws) = await PlaceAsync(u, ctx, item, check, ledger, now);
            if (refused is not null)
                failed.Add(refused.For(item));
            else
                pending.Add(WorkspaceJson.ToApi(ws!));
        }
        if (pending.Count > 0)
            await u.Workspaces.ChangeActiveCountAsync(ctx.AccountId, pending.Count);
        return new CreateWorkspacesResult { FailedRequests = failed, PendingRequests = pending };
    }

    /// <summary>Makes the workspace on this node's host (local desktops run here) with an address of one of its
    /// directory's subnets, and queues its provisioning; or says why it cannot.</summary>
    private async Task<(ItemFailure?, WorkspaceRecord?)> PlaceAsync(
        IUnitOfWork u,
        CallContext ctx,
        WorkspaceRequest item,
        CreationCheck check,
        HostLedger ledger,
        long now
    )
    {
        var bundle = check.Bundle!;
        var compute = ComputeTypes.Of(item.WorkspaceProperties?.ComputeTypeName ?? bundle.ComputeTypeName);
        if (!desktops.Supports(compute))
            return Refused(
                ErrorCodes.ItemUnsupportedConfiguration,
                $"The desktops of this service have no GPU: {compute.Name} cannot be given."
            );
        var host = desktops.Capacity is null ? null : node.Name;
        var userGib = item.WorkspaceProperties?.UserVolumeSizeGib ?? bundle.UserGib;
        if (host is not null && await ledger.TakeAsync(host, HostShare.Create(compute, userGib)) is { } full)
            return Refused(ErrorCodes.ItemInsufficientCapacity, full);
        var (ip, subnet) = await AllocateAddressAsync(u, ctx.AccountId, check.Directory!.SubnetIds ?? []);
        if (ip is null)
            return Refused(
                ErrorCodes.ItemSubnetFull,
                $"The subnets of directory {item.DirectoryId} have no free IP address left."
            );
        var ws = NewRecord(ctx, item, bundle, now);
        ws.IpAddress = ip;
        ws.SubnetId = subnet;
        ws.HostId = host;
        await u.Workspaces.AddAsync(ws);
        if (item.Tags is { Count: > 0 } tags)
            await u.Tags.PutAsync(ctx.AccountId, ctx.Region, ws.WorkspaceId, Tag.Records(tags));
        await lifecycle.QueueAsync(u, ws, TransitionKind.Provision, now);
        return (null, ws);
    }

    private static (ItemFailure?, WorkspaceRecord?) Refused(string code, string message) =>
        (new ItemFailure(code, message), null);

    /// <summary>Spreads workspaces across the directory's subnets, falling over to the next when one is full.</summary>
    private static async Task<(string? Ip, string? Subnet)> AllocateAddressAsync(
        IUnitOfWork u,
        string accountId,
        List<string> subnetIds
    )
    {
        var start = subnetIds.Count == 0 ? 0 : RandomNumberGenerator.GetInt32(subnetIds.Count);
        for (var k = 0; k < subnetIds.Count; k++)
        {
            var subnet = subnetIds[(start + k) % subnetIds.Count];
            if (await IpAllocator.AllocateAsync(u, accountId, subnet) is { } ip)
                return (ip, subnet);
        }
        return (null, null);
    }

    private static WorkspaceRecord NewRecord(CallContext ctx, WorkspaceRequest item, BundleInfo bundle, long now)
    {
        var p = item.WorkspaceProperties;
        var mode = p?.RunningMode ?? RunningMode.AlwaysOn;
        return new WorkspaceRecord
        {
            WorkspaceId = NewId("ws-", 9),
            AccountId = ctx.AccountId,
            Region = ctx.Region,
            DirectoryId = item.DirectoryId!,
            UserName = item.UserName!,
            BundleId = item.BundleId!,
            State = WorkspaceState.Pending,
            ComputerName = "WSAMZN-" + NewId("", 8).ToUpperInvariant(),
            RunningMode = mode,
            AutoStopTimeout = p?.RunningModeAutoStopTimeoutInMinutes ?? (mode == RunningMode.AutoStop ? 60 : null),
            RootVolumeSizeGib = p?.RootVolumeSizeGib ?? bundle.RootGib,
            UserVolumeSizeGib = p?.UserVolumeSizeGib ?? bundle.UserGib,
            ComputeTypeName = p?.ComputeTypeName ?? bundle.ComputeTypeName,
            Protocols = p?.Protocols is { Count: > 0 } protocols
                ? string.Join(",", protocols)
                : (bundle.OperatingSystemName.StartsWith("WINDOWS") ? "PCOIP" : "WSP"),
            OperatingSystemName = p?.OperatingSystemName ?? bundle.OperatingSystemName,
            RootVolumeEncryptionEnabled = item.RootVolumeEncryptionEnabled ?? false,
            UserVolumeEncryptionEnabled = item.UserVolumeEncryptionEnabled ?? false,
            VolumeEncryptionKey = string.IsNullOrEmpty(item.VolumeEncryptionKey) ? null : item.VolumeEncryptionKey,
            WorkspaceName = item.WorkspaceName,
            CreatedAt = now,
            StateChangedAt = now,
            ConnectionState = ConnectionState.Disconnected,
        };
    }

    /// <summary>For items in AD Connector directories: whether the user is in the customer's directory, or why it
    /// could not be asked.</summary>
    private async Task<Dictionary<string, UserLookup>> LookUpExternalUsersAsync(
        CallContext ctx,
        List<WorkspaceRequest> items
    )
    {
        var found = new Dictionary<string, UserLookup>(StringComparer.Ordinal);
        var byDirectory = new Dictionary<string, DsDirectoryRecord?>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (!byDirectory.TryGetValue(item.DirectoryId!, out var ds))
                byDirectory[item.DirectoryId!] = ds = await db.ReadAsync(u =>
                    u.DsDirectories.GetAsync(ctx.AccountId, ctx.Region, item.DirectoryId!)
                );
            var key = CreationChecks.ExternalKey(item);
            if (ds?.Type != DirectoryUsers.AdConnector || found.ContainsKey(key))
                continue;
            try
            {
                found[key] = new UserLookup(await users.ExistsAsync(ds, item.UserName!), null);
            }
            catch (LdapUnreachableException ex)
            {
                found[key] = new UserLookup(false, ex.Message);
            }
        }
        return found;
    }

    private static string NewId(string prefix, int length) =>
        prefix + new string(RandomNumberGenerator.GetItems<char>("0123456789abcdefghijklmnopqrstuvwxyz", length));
}
