using System.Text.Json;
using Cubicle.Accounts;
using Cubicle.Domain;
using Cubicle.Identity;
using Cubicle.Jobs;
using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;

namespace Cubicle.Tests;

/// <summary>
/// A <see cref="TestWorld"/> with the WorkSpaces directory actions: the service, the registrations' lifecycle run with
/// the workspaces' jobs on the fake clock, Directory Service directories as Directory Service holds them (with their
/// users), and the listing as a client reads it.
/// </summary>
public sealed class DirectoryWorld : IDisposable
{
    public const string Account = CubicleOptions.DefaultAccountId;
    public const string Demo = DirectoryLoader.DemoDirectoryId;
    public static readonly TimeSpan Transition = TimeSpan.FromSeconds(5);

    public readonly TestWorld W;
    public readonly RegistrationLifecycle Lifecycle;
    public readonly WorkspaceDirectoryService Service;
    public readonly JobRunner Jobs;
    public readonly TagService Tags;

    public DirectoryWorld(string engine = "sqlite")
    {
        W = new TestWorld(engine: engine);
        Lifecycle = new RegistrationLifecycle(W.Provider, W.Clock);
        Service = new WorkspaceDirectoryService(W.Db, new PageTokens(new byte[32], W.Clock), Lifecycle);
        Jobs = new JobRunner(W.Db, [W.Lifecycle, Lifecycle], W.Clock);
        Tags = new TagService(W.Db);
    }

    public CallContext Caller(string account = Account, string region = "us-east-1") => W.Caller(account, region);

    /// <summary>A caller whose IAM policy holds these statements.</summary>
    public static CallContext WithPolicy(params string[] statements) =>
        new()
        {
            RequestId = Guid.NewGuid().ToString(),
            AccountId = Account,
            Region = "us-east-1",
            PrincipalArn = $"arn:aws:iam::{Account}:user/admin",
            Policy = IamPolicy.Parse($$"""{"Statement":[{{string.Join(",", statements)}}]}"""),
        };

    /// <summary>A Directory Service directory of the default account (Active unless told), with these users.</summary>
    public async Task<DsDirectoryRecord> DsDirectoryAsync(
        string id,
        string name = "branch.example.org",
        string type = "SimpleAD",
        string stage = DirectoryStages.Active,
        string? subnets = "subnet-1a2b3c4d",
        string? alias = "branch",
        string? dnsIps = "10.26.0.10",
        string? customerUserName = null,
        string region = "us-east-1",
        params string[] users
    )
    {
        var now = W.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        var d = new DsDirectoryRecord
        {
            AccountId = Account,
            Region = region,
            DirectoryId = id,
            Type = type,
            Name = name,
            ShortName = name.Split('.')[0].ToUpperInvariant(),
            Alias = alias,
            Stage = stage,
            LaunchTime = now,
            StageChangedAt = now,
            SubnetIds = subnets,
            DnsIps = dnsIps,
            CustomerUserName = customerUserName,
            SidPrefix = DirectoryUsers.NewSidPrefix(),
        };
        await W.Db.WriteAsync(
            Journal.Service,
            async u =>
            {
                d.Seq = await u.DsDirectories.InsertAsync(d);
                foreach (var user in users)
                    await DirectoryUsers.AddAsync(u, d, user, now);
                return 0;
            }
        );
        return d;
    }

    public Task<RegisterWorkspaceDirectoryResult> RegisterAsync(
        string id,
        Action<RegisterWorkspaceDirectoryRequest>? more = null,
        CallContext? ctx = null
    )
    {
        var req = new RegisterWorkspaceDirectoryRequest { DirectoryId = id };
        more?.Invoke(req);
        return Service.RegisterAsync(ctx ?? Caller(), req);
    }

    public Task DeregisterAsync(string id, CallContext? ctx = null) =>
        Service.DeregisterAsync(ctx ?? Caller(), new DeregisterWorkspaceDirectoryRequest { DirectoryId = id });

    /// <summary>The directory as DescribeWorkspaceDirectories answers for its id; null when it is not listed.</summary>
    public async Task<WorkspaceDirectory?> DescribeAsync(string id, CallContext? ctx = null) =>
        (
            await Service.DescribeAsync(
                ctx ?? Caller(),
                new DescribeWorkspaceDirectoriesRequest { DirectoryIds = [id] }
            )
        ).Directories!.SingleOrDefault();

    public async Task<string?> StateAsync(string id) => (await DescribeAsync(id))?.State;

    /// <summary>The directory's JSON as described, for comparing all of it.</summary>
    public async Task<string> JsonAsync(string id) =>
        JsonSerializer.Serialize((await DescribeAsync(id))!, ApiJsonContext.Default.WorkspaceDirectory);

    /// <summary>Moves the clock and runs whatever became due, as the worker would.</summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        W.Clock.Advance(by);
        while (await W.RunDueAsync(Jobs) > 0) { }
    }

    /// <summary>How many registration jobs (REGISTER and DEREGISTER) are queued.</summary>
    public async Task<long> QueuedRegistrationJobsAsync() =>
        (await W.Db.ReadAsync(u => u.Jobs.CountByKindAsync()))
            .Where(k => k.Kind is DirectoryJobs.Register or DirectoryJobs.Deregister)
            .Sum(k => k.Count);

    /// <summary>A workspace for the user in the directory: its id, or the error code of the failed request.</summary>
    public async Task<(string? Id, string? Error, Workspace? Workspace)> CreateWorkspaceAsync(
        string directory,
        string user
    )
    {
        var r = await W.Workspaces.CreateAsync(
            Caller(),
            new CreateWorkspacesRequest
            {
                Workspaces =
                [
                    new WorkspaceRequest
                    {
                        DirectoryId = directory,
                        UserName = user,
                        BundleId = "wsb-al2std01",
                    },
                ],
            }
        );
        var pending = r.PendingRequests!.SingleOrDefault();
        return (pending?.WorkspaceId, r.FailedRequests!.SingleOrDefault()?.ErrorCode, pending);
    }

    public Task TerminateAsync(string workspaceId) =>
        W.Workspaces.TerminateAsync(
            Caller(),
            new TerminateWorkspacesRequest { TerminateWorkspaceRequests = [new() { WorkspaceId = workspaceId }] }
        );

    public async Task<string> TagsAsync(string id) =>
        string.Join(
            ",",
            (await Tags.DescribeAsync(Caller(), new DescribeTagsRequest { ResourceId = id })).TagList!.Select(t =>
                $"{t.Key}={t.Value}"
            )
        );

    /// <summary>The call fails with this code (HTTP 400); the exception, for its message.</summary>
    public static async Task<ApiException> Refused(string code, Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<ApiException>(call);
        Assert.Equal((code, 400), (ex.Code, ex.Status));
        return ex;
    }

    public void Dispose() => W.Dispose();

    /// <summary>The three directory settings actions, each changing one setting of the directory given.</summary>
    public Func<Task>[] SettingsCalls(CallContext ctx, string id) =>
        [
            () =>
                Service.ModifyCreationPropertiesAsync(
                    ctx,
                    new()
                    {
                        ResourceId = id,
                        WorkspaceCreationProperties = new() { EnableWorkDocs = true },
                    }
                ),
            () =>
                Service.ModifySelfservicePermissionsAsync(
                    ctx,
                    new()
                    {
                        ResourceId = id,
                        SelfservicePermissions = new() { RebuildWorkspace = "ENABLED" },
                    }
                ),
            () =>
                Service.ModifyAccessPropertiesAsync(
                    ctx,
                    new()
                    {
                        ResourceId = id,
                        WorkspaceAccessProperties = new() { DeviceTypeWeb = "DENY" },
                    }
                ),
        ];
}
