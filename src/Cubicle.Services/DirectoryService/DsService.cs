using System.Security.Cryptography;
using System.Text;
using Cubicle.Accounts;
using Cubicle.Domain;
using Cubicle.Identity;
using Cubicle.Network;
using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;

namespace Cubicle.Services.DirectoryService;

/// <summary>
/// The Directory Service directories: make a Simple AD (CreateDirectory) or an AD Connector (ConnectDirectory), list
/// and delete them. Directories come up asynchronously, through the same durable jobs as workspaces: Requested,
/// Creating, then Active. Users' passwords and data access: <see cref="DsUserAccess"/>.
/// </summary>
public sealed class DsService(
    IDatabase db,
    PageTokens tokens,
    MasterKey master,
    DirectoryLifecycle lifecycle,
    LdapTargets targets,
    TimeProvider time
)
{
    private const int DefaultLimit = 100;

    public async Task<DirectoryIdShape> CreateDirectoryAsync(CallContext ctx, CreateDirectoryRequest req)
    {
        DsValidate.Directory(req.Name, req.ShortName, req.Description, req.Size, req.Tags);
        Validate.Required(req.Password, "Password");
        if (!DirectoryUsers.IsStrong(req.Password!))
            throw Validate.Fail(
                "Password",
                "it must have 8 to 64 characters, with three of: lower case, upper case, digits "
                    + "and other characters."
            );
        Validate.Required(req.VpcSettings, "VpcSettings");
        DsValidate.Vpc(req.VpcSettings!.VpcId, req.VpcSettings.SubnetIds, "VpcSettings");
        ctx.Authorize("CreateDirectory", "*");
        var d = NewDirectory(
            ctx,
            DirectoryUsers.SimpleAd,
            req.Name!,
            req.ShortName,
            req.Description,
            req.Size!,
            req.VpcSettings.VpcId,
            req.VpcSettings.SubnetIds!
        );
        var adminHash = await Passwords.HashAsync(ctx.AccountId, req.Password!);
        return await CreateAsync(
            ctx,
            d,
            req.Tags,
            async u =>
            {
                // The directory's administrator, as Simple AD has one, with the password given.
                var admin = await DirectoryUsers.AddAsync(u, d, "Administrator", d.LaunchTime);
                admin!.PasswordHash = adminHash;
                admin.Enabled = true;
                await u.DsDirectories.UpdateUserAsync(admin);
            }
        );
    }

    public async Task<DirectoryIdShape> ConnectDirectoryAsync(CallContext ctx, ConnectDirectoryRequest req)
    {
        DsValidate.Directory(req.Name, req.ShortName, req.Description, req.Size, req.Tags);
        Validate.Required(req.Password, "Password");
        Validate.Length(req.Password, 1, 128, "Password");
        Validate.Required(req.ConnectSettings, "ConnectSettings");
        var s = req.ConnectSettings!;
        DsValidate.Vpc(s.VpcId, s.SubnetIds, "ConnectSettings");
        Validate.Required(s.CustomerUserName, "ConnectSettings.CustomerUserName");
        Validate.Pattern(s.CustomerUserName, DsValidate.CustomerUserNamePattern(), "ConnectSettings.CustomerUserName");
        Validate.Required(s.CustomerDnsIps, "ConnectSettings.CustomerDnsIps");
        Validate.Count(s.CustomerDnsIps, 1, 10, "ConnectSettings.CustomerDnsIps");
        Validate.Each(s.CustomerDnsIps, DsValidate.IpPattern(), "ConnectSettings.CustomerDnsIps");
        ctx.Authorize("ConnectDirectory", "*");
        var servers = targets.Check(s.CustomerDnsIps!, "ConnectSettings.CustomerDnsIps");
        var d = NewDirectory(
            ctx,
            DirectoryUsers.AdConnector,
            req.Name!,
            req.ShortName,
            req.Description,
            req.Size!,
            s.VpcId,
            s.SubnetIds!
        );
        d.CustomerDnsIps = string.Join(',', servers);
        d.CustomerUserName = s.CustomerUserName;
        d.StageReason = targets.Note;
        d.SecretCiphertext = master.Seal(Encoding.UTF8.GetBytes(req.Password!), LdapConnector.Associated(d));
        var made = await CreateAsync(ctx, d, req.Tags, _ => Task.CompletedTask);
        targets.Connected(d);
        return made;
    }

    private DsDirectoryRecord NewDirectory(
        CallContext ctx,
        string type,
        string name,
        string? shortName,
        string? description,
        string size,
        string? vpcId,
        List<string> subnetIds
    )
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var id = "d-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));
        return new DsDirectoryRecord
        {
            AccountId = ctx.AccountId,
            Region = ctx.Region,
            DirectoryId = id,
            Type = type,
            Name = name,
            ShortName = shortName ?? name.Split('.')[0].ToUpperInvariant(),
            Description = description,
            Size = size,
            Alias = id,
            Stage = DirectoryStages.Requested,
            LaunchTime = now,
            StageChangedAt = now,
            VpcId = vpcId,
            SubnetIds = string.Join(',', subnetIds),
            SecurityGroupId = "sg-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)),
            DnsIps = string.Join(',', subnetIds.Select(DnsAddress)),
            SidPrefix = DirectoryUsers.NewSidPrefix(),
        };
    }

    /// <summary>A directory's DNS server in a subnet: its tenth address.</summary>
    private static string DnsAddress(string subnetId)
    {
        var (net, _) = IpAllocator.DefaultCidr(subnetId, []);
        return $"{(net >> 24) & 0xFF}.{(net >> 16) & 0xFF}.{(net >> 8) & 0xFF}.{(net & 0xFF) + 10}";
    }

    private async Task<DirectoryIdShape> CreateAsync(
        CallContext ctx,
        DsDirectoryRecord d,
        List<DsTag>? tags,
        Func<IUnitOfWork, Task> more
    )
    {
        await db.WriteAsync(
            ctx.Journal,
            async u =>
            {
                await u.DsDirectories.InsertAsync(d);
                if (tags is { Count: > 0 })
                    await u.Tags.PutAsync(
                        ctx.AccountId,
                        ctx.Region,
                        DirectoryLifecycle.TagScope + d.DirectoryId,
                        tags.Select(t => new TagRecord(t.Key!, t.Value ?? ""))
                    );
                await more(u);
                await lifecycle.QueueAsync(u, d, DirectoryJobs.Create);
                return new DirectoryIdShape { DirectoryId = d.DirectoryId };
            }
        );
        return new DirectoryIdShape { DirectoryId = d.DirectoryId };
    }

    public async Task<DescribeDirectoriesResult> DescribeDirectoriesAsync(
        CallContext ctx,
        DescribeDirectoriesRequest req
    )
    {
        Validate.Count(req.DirectoryIds, 0, 100, "DirectoryIds");
        Validate.Each(req.DirectoryIds, DsValidate.DirectoryIdPattern(), "DirectoryIds");
        Validate.Range(req.Limit, 0, int.MaxValue, "Limit");
        Validate.PageToken(req.NextToken);
        ctx.Authorize("DescribeDirectories", "*");
        var limit = req.Limit is null or 0 ? DefaultLimit : Math.Min(req.Limit.Value, DefaultLimit);
        var ids = req.DirectoryIds is { Count: > 0 } ? req.DirectoryIds.Distinct().ToList() : null;
        var hash = PageTokens.Hash(
            "DescribeDirectories",
            ctx.AccountId,
            ctx.Region,
            ids is null ? null : string.Join(",", ids)
        );
        long after = 0;
        if (req.NextToken is not null)
        {
            try
            {
                after = tokens.Read(req.NextToken, hash);
            }
            catch (ApiException ex)
            {
                throw new ApiException(DsErrors.InvalidNextToken, ex.Message);
            }
        }
        var rows = await db.ReadAsync(u => u.DsDirectories.ListAsync(ctx.AccountId, ctx.Region, ids, after, limit + 1));
        if (
            ids is not null
            && after == 0
            && rows.Count < ids.Count
            && ids.FirstOrDefault(i => rows.All(r => r.DirectoryId != i)) is { } missing
        )
            throw new ApiException(DsErrors.EntityDoesNotExist, $"Directory {missing} does not exist.");
        var next = tokens.Cut(rows, limit, hash, r => r.Seq);
        return new DescribeDirectoriesResult
        {
            DirectoryDescriptions = rows.Select(Describe).ToList(),
            NextToken = next,
        };
    }

    private static DirectoryDescription Describe(DsDirectoryRecord d)
    {
        var subnets = d.SubnetIds?.Split(',', StringSplitOptions.RemoveEmptyEntries).ToList();
        var zones = subnets?.Select((_, i) => $"{d.Region}{(char)('a' + i)}").ToList();
        return new DirectoryDescription
        {
            DirectoryId = d.DirectoryId,
            Name = d.Name,
            ShortName = d.ShortName,
            Size = d.Size,
            Alias = d.Alias,
            AccessUrl = $"{d.Alias}.awsapps.com",
            Description = d.Description,
            DnsIpAddrs = d.DnsIps?.Split(',', StringSplitOptions.RemoveEmptyEntries).ToList(),
            Stage = d.Stage,
            LaunchTime = d.LaunchTime / 1000.0,
            StageLastUpdatedDateTime = d.StageChangedAt / 1000.0,
            Type = d.Type,
            StageReason = d.StageReason,
            SsoEnabled = false,
            VpcSettings =
                d.Type == DirectoryUsers.SimpleAd
                    ? new DirectoryVpcSettingsDescription
                    {
                        VpcId = d.VpcId,
                        SubnetIds = subnets,
                        SecurityGroupId = d.SecurityGroupId,
                        AvailabilityZones = zones,
                    }
                    : null,
            ConnectSettings =
                d.Type == DirectoryUsers.AdConnector
                    ? new DirectoryConnectSettingsDescription
                    {
                        VpcId = d.VpcId,
                        SubnetIds = subnets,
                        CustomerUserName = d.CustomerUserName,
                        SecurityGroupId = d.SecurityGroupId,
                        AvailabilityZones = zones,
                        ConnectIps = d.DnsIps?.Split(',', StringSplitOptions.RemoveEmptyEntries).ToList(),
                    }
                    : null,
            DesiredNumberOfDomainControllers = d.Type == DirectoryUsers.SimpleAd ? 2 : null,
            NetworkType = "IPv4",
        };
    }

    public async Task<DirectoryIdShape> DeleteDirectoryAsync(CallContext ctx, DirectoryIdShape req)
    {
        var id = DsValidate.DirectoryId(req.DirectoryId);
        ctx.Authorize("DeleteDirectory", ctx.DsDirectoryArn(id));
        return await db.WriteAsync(
            ctx.Journal,
            async u =>
            {
                var d = await Existing(u, ctx, id);
                if (await u.Registrations.GetAsync(ctx.AccountId, ctx.Region, id) is not null)
                    throw new ApiException(
                        DsErrors.Client,
                        $"Directory {id} is registered with Amazon WorkSpaces: deregister it before deleting it."
                    );
                if (d.Stage is DirectoryStages.Deleting or DirectoryStages.Deleted)
                    return new DirectoryIdShape { DirectoryId = id };
                await lifecycle.BeginAsync(u, d, DirectoryStages.Deleting, DirectoryJobs.Delete);
                return new DirectoryIdShape { DirectoryId = id };
            }
        );
    }

    internal static async Task<DsDirectoryRecord> Existing(IUnitOfWork u, CallContext ctx, string id) =>
        await u.DsDirectories.GetAsync(ctx.AccountId, ctx.Region, id) is { Stage: not DirectoryStages.Deleted } d
            ? d
            : throw new ApiException(DsErrors.EntityDoesNotExist, $"Directory {id} does not exist.");
}
