using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;

namespace Cubicle.Tests;

/// <summary>What the workspace tests do and look at again and again, through the service and its store.</summary>
public static class Steps
{
    public static List<WorkspaceChangeRequest> One(string id) => [new() { WorkspaceId = id }];

    public static async Task<WorkspaceRecord> RecordAsync(TestWorld w, string id) =>
        (await w.Db.ReadAsync(u => u.Workspaces.GetByIdAsync(id)))!;

    /// <summary>The jobs queued, by kind: what the cubicle_jobs_queued metric shows.</summary>
    public static async Task<Dictionary<string, long>> QueuedAsync(TestWorld w) =>
        (await w.Db.ReadAsync(u => u.Jobs.CountByKindAsync())).ToDictionary(k => k.Kind, k => k.Count);

    public static async Task<long> QueuedAsync(TestWorld w, string kind) =>
        (await QueuedAsync(w)).GetValueOrDefault(kind);

    /// <summary>Signs the workspace's user in to its desktop (a browser session of the desktop); returns the
    /// session's key.</summary>
    public static async Task<string> SignInAsync(TestWorld w, string id)
    {
        var key = "session-" + Guid.NewGuid().ToString("N");
        var now = w.Lifecycle.Now;
        await w.Db.WriteAsync(
            Journal.Service,
            async u =>
            {
                await u.Sessions.InsertAsync(
                    new SessionRecord
                    {
                        IdHash = key,
                        Kind = SessionKinds.Desktop,
                        AccountId = CubicleOptions.DefaultAccountId,
                        Region = "us-east-1",
                        Subject = id,
                        CreatedAt = now,
                        ExpiresAt = now + 86_400_000,
                    }
                );
                return 0;
            }
        );
        return key;
    }

    public static async Task<bool> SignedInAsync(TestWorld w, string key) =>
        await w.Db.ReadAsync(u => u.Sessions.GetAsync(key)) is not null;

    /// <summary>The workspace's snapshots as DescribeWorkspaceSnapshots shows them, newest first (seconds).</summary>
    public static async Task<List<double>> SnapshotsAsync(TestWorld w, string id)
    {
        var r = await w.Workspaces.DescribeSnapshotsAsync(w.Caller(), new() { WorkspaceId = id });
        Assert.Equal(r.RebuildSnapshots!.Select(s => s.SnapshotTime), r.RestoreSnapshots!.Select(s => s.SnapshotTime));
        return [.. r.RebuildSnapshots!.Select(s => s.SnapshotTime!.Value)];
    }

    /// <summary>The clock's time in seconds, as the API gives timestamps.</summary>
    public static double Seconds(TestWorld w) => w.Clock.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;

    public static async Task<ApiException> RefusedAsync(string code, Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<ApiException>(call);
        Assert.Equal(code, ex.Code);
        return ex;
    }

    /// <summary>The refusal of an invalid parameter, whose message names the member.</summary>
    public static async Task InvalidAsync(string message, Func<Task> call)
    {
        var ex = await RefusedAsync(ErrorCodes.InvalidParameterValues, call);
        Assert.StartsWith(message, ex.Message);
    }

    /// <summary>One statement of a policy: the effect, the action and the resources (none: "*").</summary>
    public static string Statement(string effect, string action, params string[] resources) =>
        System.Text.Json.JsonSerializer.Serialize(
            new Dictionary<string, object>
            {
                ["Effect"] = effect,
                ["Action"] = action,
                ["Resource"] = resources.Length == 0 ? "*" : resources,
            }
        );

    public static CallContext WithPolicy(string statements, string account = CubicleOptions.DefaultAccountId) =>
        new()
        {
            RequestId = Guid.NewGuid().ToString(),
            AccountId = account,
            Region = "us-east-1",
            PrincipalArn = $"arn:aws:iam::{account}:user/operator",
            Policy = Cubicle.Accounts.IamPolicy.Parse($$"""{"Statement":[{{statements}}]}"""),
        };

    /// <summary>Runs every due job until none is left; then once more after each step of the clock.</summary>
    public static Task SettleAsync(TestWorld w) => w.AdvanceAsync(TimeSpan.FromSeconds(5));
}
