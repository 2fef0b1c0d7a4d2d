using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;

namespace Cubicle.Tests;

/// <summary>What must hold however many nodes write at once: one workspace per user, the account's quota, one IP
/// address per workspace, at most 50 tags. Each test runs two "nodes" (two connections with services of their own)
/// concurrently against one database.</summary>
public sealed class InvariantTests
{
    private static CreateWorkspacesRequest One(string user) =>
        new()
        {
            Workspaces =
            [
                new WorkspaceRequest
                {
                    DirectoryId = "d-926722edaf",
                    UserName = user,
                    BundleId = "wsb-al2std01",
                },
            ],
        };

    private static Task<T[]> Together<T>(int count, Func<int, Task<T>> call) => Races.Together(count, call);

    private static async Task<T?> Try<T>(Func<Task<T>> call)
        where T : class
    {
        try
        {
            return await call();
        }
        catch (ApiException ex)
        {
            Assert.Equal(ErrorCodes.ResourceLimitExceeded, ex.Code);
            return null;
        }
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task The_same_user_created_at_once_on_two_nodes_gets_one_workspace(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var b = w.OtherNode("b").Workspaces;
        var results = await Together(8, i => (i % 2 == 0 ? w.Workspaces : b).CreateAsync(w.Caller(), One("alice")));
        Assert.Equal(1, results.Sum(r => r.PendingRequests!.Count));
        Assert.All(
            results.SelectMany(r => r.FailedRequests!),
            f => Assert.Equal(ErrorCodes.ItemWorkspaceExists, f.ErrorCode)
        );
        var all = await w.Db.ReadAsync(u =>
            u.Workspaces.ListAsync(
                new WorkspaceQuery("000000000000", "us-east-1", null, null, null, null, null, 0, 100)
            )
        );
        Assert.Single(all);
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task The_quota_holds_under_concurrent_creates_and_addresses_stay_unique(string engine)
    {
        using var w = new TestWorld(quota: 3, engine: engine);
        var b = w.OtherNode("b").Workspaces;
        string[] users = ["alice", "bob", "carol", "dave", "erin", "mary"];
        var results = await Together(
            users.Length,
            i => Try(() => (i % 2 == 0 ? w.Workspaces : b).CreateAsync(w.Caller(), One(users[i])))
        );
        Assert.Equal(3, results.Count(r => r is { PendingRequests.Count: 1 }));
        Assert.Equal(3, results.Count(r => r is null)); // ResourceLimitExceededException
        var all = await w.Db.ReadAsync(u =>
            u.Workspaces.ListAsync(
                new WorkspaceQuery("000000000000", "us-east-1", null, null, null, null, null, 0, 100)
            )
        );
        Assert.Equal(3, all.Count);
        Assert.Equal(3, all.Select(x => (x.SubnetId, x.IpAddress)).Distinct().Count());
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task At_most_fifty_tags_whatever_arrives_at_once(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var id = await w.CreateAsync("alice");
        var a = new TagService(w.Db);
        var other = w.OtherNode("b").Db;
        var b = new TagService(other);
        var results = await Together(
            12,
            i =>
                Try(() =>
                    (i % 2 == 0 ? a : b).CreateAsync(
                        w.Caller(),
                        new CreateTagsRequest
                        {
                            ResourceId = id,
                            Tags = Enumerable
                                .Range(0, 10)
                                .Select(k => new Tag { Key = $"k{i}-{k}", Value = "v" })
                                .ToList(),
                        }
                    )
                )
        );
        Assert.Equal(5, results.Count(r => r is not null));
        var tags = await w.Db.ReadAsync(u => u.Tags.GetAsync("000000000000", "us-east-1", id));
        Assert.Equal(50, tags.Count);
    }
}
