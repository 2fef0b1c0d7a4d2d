using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cubicle.Domain;
using Cubicle.Identity;
using Cubicle.Protocol;
using Cubicle.Storage;

namespace Cubicle.Services.WorkSpaces;

/// <summary>
/// Loads the directories file ({"Directories": [{...WorkspaceDirectory fields, "Region", "AccountId",
/// "Users", "SubnetCidrs"}]}) into the store on start. Without a file, a demo directory is loaded.
/// </summary>
public static class DirectoryLoader
{
    public const string DemoDirectoryId = "d-926722edaf";
    public static readonly string[] DemoUsers = ["alice", "bob", "carol", "dave", "erin", "mary"];

    public static readonly string DemoFile = $$"""
        {"Directories": [{
          "DirectoryId": "{{DemoDirectoryId}}", "DirectoryName": "corp.example.com", "Alias": "corp-example",
          "DirectoryType": "SIMPLE_AD", "CustomerUserName": "Administrator",
          "SubnetIds": ["subnet-0a1b2c3d", "subnet-4e5f6a7b"], "DnsIpAddresses": ["10.10.0.10", "10.78.0.10"],
          "Users": ["alice", "bob", "carol", "dave", "erin", "mary"]
        }]}
        """;

    public sealed record Definition(
        WorkspaceDirectory Directory,
        string AccountId,
        string Region,
        List<string> Users,
        Dictionary<string, string> SubnetCidrs
    );

    public static List<Definition> Parse(string json)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The directories file is not valid JSON: {ex.Message}");
        }
        if (root?["Directories"] is not JsonArray list)
            throw new InvalidDataException("The directories file must be an object with a \"Directories\" array.");
        var result = new List<Definition>();
        for (var i = 0; i < list.Count; i++)
        {
            var where = $"Directories[{i}]";
            if (list[i] is not JsonObject obj)
                throw new InvalidDataException($"{where} must be an object.");
            obj = (JsonObject)obj.DeepClone();
            var region = Take(obj, "Region")?.GetValue<string>() ?? "us-east-1";
            var account = Take(obj, "AccountId")?.GetValue<string>() ?? CubicleOptions.DefaultAccountId;
            var users =
                (Take(obj, "Users") as JsonArray)
                    ?.Select(u =>
                        u switch
                        {
                            JsonValue v => v.GetValue<string>(),
                            JsonObject o => o["UserName"]?.GetValue<string>()
                                ?? throw new InvalidDataException($"{where}.Users: an entry has no UserName."),
                            _ => throw new InvalidDataException($"{where}.Users must hold strings."),
                        }
                    )
                    .ToList()
                ?? [];
            var cidrs =
                (Take(obj, "SubnetCidrs") as JsonObject)?.ToDictionary(p => p.Key, p => p.Value!.GetValue<string>())
                ?? [];
            WorkspaceDirectory dir;
            try
            {
                dir = obj.Deserialize(ApiJsonContext.Default.WorkspaceDirectory)!;
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{where}: {ex.Message}");
            }
            try
            {
                Check(dir, region, account, users);
            }
            catch (ApiException ex)
            {
                throw new InvalidDataException($"{where}: {ex.Message}");
            }
            Complete(dir, account);
            result.Add(new Definition(dir, account, region, users, cidrs));
        }
        return result;
    }

    private static JsonNode? Take(JsonObject obj, string name)
    {
        obj.Remove(name, out var node);
        return node;
    }

    private static void Check(WorkspaceDirectory d, string region, string account, List<string> users)
    {
        Validate.Required(d.DirectoryId, "DirectoryId");
        Validate.Pattern(d.DirectoryId, Validate.DirectoryIdPattern(), "DirectoryId");
        Validate.Length(d.DirectoryId, 10, 65, "DirectoryId");
        Validate.Count(d.SubnetIds, 0, 2, "SubnetIds");
        Validate.Each(d.SubnetIds, Validate.SubnetIdPattern(), "SubnetIds");
        Validate.OneOf(
            d.DirectoryType,
            ["SIMPLE_AD", "AD_CONNECTOR", "CUSTOMER_MANAGED", "AWS_IAM_IDENTITY_CENTER"],
            "DirectoryType"
        );
        Validate.OneOf(d.State, ["REGISTERING", "REGISTERED", "DEREGISTERING", "DEREGISTERED", "ERROR"], "State");
        Validate.Length(d.RegistrationCode, 1, 20, "RegistrationCode");
        Validate.Length(d.CustomerUserName, 1, 63, "CustomerUserName");
        Validate.Pattern(d.WorkspaceSecurityGroupId, Validate.SecurityGroupIdPattern(), "WorkspaceSecurityGroupId");
        Validate.Pattern(d.IamRoleId, Validate.ArnPattern(), "IamRoleId");
        Validate.Pattern(
            d.WorkspaceCreationProperties?.CustomSecurityGroupId,
            Validate.SecurityGroupIdPattern(),
            "WorkspaceCreationProperties.CustomSecurityGroupId"
        );
        if (!System.Text.RegularExpressions.Regex.IsMatch(region, "^[a-z]{2}(-[a-z]+)+-[0-9]+\\z"))
            throw ApiException.InvalidParameter($"Region '{region}' is not a region name like us-east-1.");
        if (!System.Text.RegularExpressions.Regex.IsMatch(account, "^[0-9]{12}\\z"))
            throw ApiException.InvalidParameter($"AccountId '{account}' must be 12 digits.");
        for (var i = 0; i < users.Count; i++)
            Validate.Length(users[i], 1, 63, $"Users[{i}]");
    }

    /// <summary>Fills what a registered directory always has, deterministically from its id (the registration code
    /// too, so that it stays the same across restarts).</summary>
    private static void Complete(WorkspaceDirectory d, string account)
    {
        var seed = SHA256.HashData(Encoding.UTF8.GetBytes(d.DirectoryId!));
        d.State ??= "REGISTERED";
        d.DirectoryType ??= "SIMPLE_AD";
        d.DirectoryName ??= "corp.example.com";
        d.Alias ??= d.DirectoryId;
        d.CustomerUserName ??= "Administrator";
        d.RegistrationCode ??= "SLiad+" + Convert.ToHexString(seed.AsSpan(0, 3));
        d.SubnetIds ??=
        [
            $"subnet-{Convert.ToHexString(seed.AsSpan(3, 4)).ToLowerInvariant()}",
            $"subnet-{Convert.ToHexString(seed.AsSpan(7, 4)).ToLowerInvariant()}",
        ];
        d.DnsIpAddresses ??= ["10.0.0.2"];
        d.IamRoleId ??= $"arn:aws:iam::{account}:role/workspaces_DefaultRole";
        d.WorkspaceSecurityGroupId ??= $"sg-{Convert.ToHexString(seed.AsSpan(11, 4)).ToLowerInvariant()}";
        d.WorkspaceCreationProperties ??= Registrations.CreationDefaults(d.DirectoryName!);
        d.SelfservicePermissions ??= Registrations.SelfService(enabled: false);
        d.WorkspaceAccessProperties ??= Registrations.AllDevicesAllowed();
        d.Tenancy ??= "SHARED";
        d.WorkspaceType ??= "PERSONAL";
        d.UserIdentityType ??= "AWS_DIRECTORY_SERVICE";
    }

    /// <summary>Loads (upserts) the file's directories as built-in (Simple AD) Directory Service directories,
    /// registered
    /// with WorkSpaces, with exactly the file's users (those who stay keep their passwords). Nothing else is
    /// touched.</summary>
    public static async Task LoadAsync(IDatabase db, string? file, TimeProvider? time = null)
    {
        var json = file is null ? DemoFile : await File.ReadAllTextAsync(file);
        var definitions = Parse(json);
        var now = (time ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds();
        // Nodes starting together load the same file: whichever commits second finds the rows and updates them.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await LoadAsync(db, definitions, now);
                return;
            }
            catch (StoreConflictException) when (attempt < 5)
            {
                await Task.Delay(Random.Shared.Next(10, 100));
            }
        }
    }

    private static async Task LoadAsync(IDatabase db, List<Definition> definitions, long now)
    {
        await db.WriteAsync(
            Journal.Service,
            async u =>
            {
                foreach (var def in definitions)
                {
                    var d = def.Directory;
                    var ds =
                        await u.DsDirectories.GetAsync(def.AccountId, def.Region, d.DirectoryId!)
                        ?? new DsDirectoryRecord
                        {
                            AccountId = def.AccountId,
                            Region = def.Region,
                            DirectoryId = d.DirectoryId!,
                            LaunchTime = now,
                            StageChangedAt = now,
                            SidPrefix = DirectoryUsers.NewSidPrefix(),
                            NextRid = 1104,
                        };
                    ds.Type = d.DirectoryType == "AD_CONNECTOR" ? "ADConnector" : "SimpleAD";
                    ds.Name = d.DirectoryName!;
                    ds.ShortName = d.DirectoryName!.Split('.')[0].ToUpperInvariant();
                    ds.Alias = d.Alias;
                    ds.Stage = DirectoryStages.Active;
                    ds.SubnetIds = string.Join(',', d.SubnetIds!);
                    ds.DnsIps = string.Join(',', d.DnsIpAddresses ?? []);
                    ds.CustomerUserName = d.CustomerUserName;
                    if (ds.Seq == 0)
                        await u.DsDirectories.InsertAsync(ds);
                    else
                        await u.DsDirectories.UpdateAsync(ds);
                    await SyncUsersAsync(u, ds, def.Users, now);

                    var row =
                        await u.Registrations.GetAsync(def.AccountId, def.Region, d.DirectoryId!)
                        ?? new RegistrationRecord
                        {
                            AccountId = def.AccountId,
                            Region = def.Region,
                            DirectoryId = d.DirectoryId!,
                        };
                    await Registrations.SaveAsync(u, row, d);
                    await Registrations.AddSubnetsAsync(u, def.AccountId, d.SubnetIds!, def.SubnetCidrs);
                }
                return 0;
            }
        );
    }

    private static async Task SyncUsersAsync(IUnitOfWork u, DsDirectoryRecord ds, List<string> users, long now)
    {
        var keep = users.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var after = 0L;
        var gone = new List<string>();
        while (true)
        {
            var page = await u.DsDirectories.ListUsersAsync(ds.Seq, after, 500);
            gone.AddRange(page.Select(x => x.UserName).Where(n => !keep.Contains(n)));
            if (page.Count < 500)
                break;
            after = page[^1].Rid;
        }
        foreach (var name in gone)
            await u.DsDirectories.DeleteUserAsync(ds.Seq, name);
        foreach (var name in keep)
            await DirectoryUsers.AddAsync(u, ds, name, now);
    }
}
