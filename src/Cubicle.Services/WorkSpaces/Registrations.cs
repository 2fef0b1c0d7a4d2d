using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cubicle.Identity;
using Cubicle.Network;
using Cubicle.Storage;

namespace Cubicle.Services.WorkSpaces;

/// <summary>
/// A directory registered with WorkSpaces: a Directory Service directory plus what WorkSpaces keeps of it (its
/// registration code, the subnets workspaces get their addresses in, creation defaults, self-service and device
/// access settings), stored as the API's WorkspaceDirectory shape.
/// </summary>
public static class Registrations
{
    public static WorkspaceDirectory Parse(RegistrationRecord row) =>
        JsonSerializer.Deserialize(row.Body, ApiJsonContext.Default.WorkspaceDirectory)!;

    public static async Task SaveAsync(IUnitOfWork u, RegistrationRecord row, WorkspaceDirectory body)
    {
        row.Body = JsonSerializer.Serialize(body, ApiJsonContext.Default.WorkspaceDirectory);
        row.DirectoryName = body.DirectoryName;
        row.RegistrationCode = body.RegistrationCode;
        await u.Registrations.SaveAsync(row);
    }

    /// <summary>A code users sign in with: 40 random bits (8 characters of 32), so that no two directories ever
    /// share one.</summary>
    public static string NewRegistrationCode() =>
        "SLiad+" + RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 8);

    /// <summary>The registration of a directory, with the defaults a new one has in WorkSpaces.</summary>
    public static WorkspaceDirectory NewBody(
        DsDirectoryRecord ds,
        IReadOnlyList<string> subnetIds,
        string state,
        bool selfService,
        string tenancy
    )
    {
        var seed = SHA256.HashData(Encoding.UTF8.GetBytes(ds.DirectoryId));
        return new WorkspaceDirectory
        {
            DirectoryId = ds.DirectoryId,
            Alias = ds.Alias ?? ds.DirectoryId,
            DirectoryName = ds.Name,
            RegistrationCode = NewRegistrationCode(),
            SubnetIds = [.. subnetIds],
            DnsIpAddresses = ds.DnsIps?.Split(',', StringSplitOptions.RemoveEmptyEntries).ToList(),
            CustomerUserName = ds.Type == "ADConnector" ? ds.CustomerUserName : "Administrator",
            IamRoleId = $"arn:aws:iam::{ds.AccountId}:role/workspaces_DefaultRole",
            DirectoryType = ds.Type == "ADConnector" ? "AD_CONNECTOR" : "SIMPLE_AD",
            WorkspaceSecurityGroupId = $"sg-{Convert.ToHexString(seed.AsSpan(11, 4)).ToLowerInvariant()}",
            State = state,
            WorkspaceCreationProperties = CreationDefaults(ds.Name),
            Tenancy = tenancy,
            WorkspaceType = "PERSONAL",
            UserIdentityType = "AWS_DIRECTORY_SERVICE",
            SelfservicePermissions = SelfService(selfService),
            WorkspaceAccessProperties = AllDevicesAllowed(),
        };
    }

    /// <summary>Records the subnets' address ranges (a CIDR given, or a /16 of 10.0.0.0/8 derived from the id),
    /// keeping the allocation cursor of those already known.</summary>
    public static async Task AddSubnetsAsync(
        IUnitOfWork u,
        string accountId,
        IReadOnlyList<string> subnetIds,
        IReadOnlyDictionary<string, string>? cidrs = null
    )
    {
        var used = new HashSet<long>();
        foreach (var subnetId in subnetIds)
        {
            var (baseAddr, prefix) =
                cidrs is not null && cidrs.TryGetValue(subnetId, out var cidr)
                    ? IpAllocator.ParseCidr(cidr, subnetId)
                    : IpAllocator.DefaultCidr(subnetId, used);
            used.Add(baseAddr);
            await u.Registrations.UpsertSubnetAsync(
                new SubnetRecord
                {
                    AccountId = accountId,
                    SubnetId = subnetId,
                    Base = baseAddr,
                    Prefix = prefix,
                    Cursor = 0,
                },
                keepCursor: true
            );
        }
    }

    /// <summary>A new registration's creation defaults: its computers go to the directory's Computers OU.</summary>
    public static DefaultWorkspaceCreationProperties CreationDefaults(string domain) =>
        new()
        {
            EnableWorkDocs = false,
            EnableInternetAccess = false,
            UserEnabledAsLocalAdministrator = true,
            EnableMaintenanceMode = true,
            DefaultOu = $"OU=Computers,{LdapConnector.SearchBase(domain)}",
        };

    /// <summary>A new registration's self-service permissions: restart always, the rest if asked for.</summary>
    public static SelfservicePermissions SelfService(bool enabled)
    {
        var value = enabled ? "ENABLED" : "DISABLED";
        return new SelfservicePermissions
        {
            RestartWorkspace = "ENABLED",
            IncreaseVolumeSize = value,
            ChangeComputeType = value,
            SwitchRunningMode = value,
            RebuildWorkspace = value,
        };
    }

    /// <summary>A new registration's device access: every kind of client allowed.</summary>
    public static WorkspaceAccessProperties AllDevicesAllowed() =>
        new()
        {
            DeviceTypeWindows = "ALLOW",
            DeviceTypeOsx = "ALLOW",
            DeviceTypeWeb = "ALLOW",
            DeviceTypeIos = "ALLOW",
            DeviceTypeAndroid = "ALLOW",
            DeviceTypeChromeOs = "ALLOW",
            DeviceTypeZeroClient = "ALLOW",
            DeviceTypeLinux = "ALLOW",
            DeviceTypeWorkSpacesThinClient = "ALLOW",
        };
}
