using Cubicle.Accounts;
using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;

namespace Cubicle.Tests;

/// <summary>
/// CreateTags, DescribeTags and DeleteTags as a client sees them: tags of workspaces and of directories, at most 50 a
/// resource, reserved "aws:" keys, members named in refusals, unknown resources not found, each account and region
/// apart, and policies judged against the resource's own ARN (a directory's or a workspace's).
/// </summary>
public sealed class TagServiceTests
{
    private const string Directory = DirectoryLoader.DemoDirectoryId;
    private const string Account = CubicleOptions.DefaultAccountId;

    private static Tag T(string key, string? value = "v") => new() { Key = key, Value = value };

    private static Task Create(TagService s, CallContext ctx, string id, params Tag[] tags) =>
        s.CreateAsync(ctx, new CreateTagsRequest { ResourceId = id, Tags = [.. tags] });

    private static Task Delete(TagService s, CallContext ctx, string id, params string[] keys) =>
        s.DeleteAsync(ctx, new DeleteTagsRequest { ResourceId = id, TagKeys = [.. keys] });

    private static async Task<string> Describe(TagService s, CallContext ctx, string id) =>
        string.Join(
            ",",
            (await s.DescribeAsync(ctx, new DescribeTagsRequest { ResourceId = id })).TagList!.Select(t =>
                $"{t.Key}={t.Value}"
            )
        );

    private static async Task<ApiException> Refused(string code, Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<ApiException>(call);
        Assert.Equal((code, 400), (ex.Code, ex.Status));
        return ex;
    }

    private static CallContext WithPolicy(string statement) =>
        new()
        {
            RequestId = Guid.NewGuid().ToString(),
            AccountId = Account,
            Region = "us-east-1",
            PrincipalArn = $"arn:aws:iam::{Account}:user/tagger",
            Policy = IamPolicy.Parse($$"""{"Statement":[{{statement}}]}"""),
        };

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Tags_of_a_workspace_are_added_overwritten_described_and_deleted(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var tags = new TagService(w.Db);
        var id = await w.CreateAsync("alice");
        Assert.Equal("", await Describe(tags, w.Caller(), id));
        await Create(tags, w.Caller(), id, T("team", "blue"), T("owner", "alice"), T("team", "red"), T("empty", null));
        Assert.Equal("empty=,owner=alice,team=red", await Describe(tags, w.Caller(), id));
        await Create(tags, w.Caller(), id, T("owner", "bob"));
        await Delete(tags, w.Caller(), id, "team", "absent");
        Assert.Equal("empty=,owner=bob", await Describe(tags, w.Caller(), id));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Tags_of_a_directory_are_its_own(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var tags = new TagService(w.Db);
        var id = await w.CreateAsync("alice");
        await Create(tags, w.Caller(), Directory, T("site", "hq"), T("tier", "1"));
        await Create(tags, w.Caller(), id, T("site", "home"));
        await Delete(tags, w.Caller(), Directory, "tier");
        Assert.Equal("site=hq", await Describe(tags, w.Caller(), Directory));
        Assert.Equal("site=home", await Describe(tags, w.Caller(), id));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_resource_holds_at_most_fifty_tags(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var tags = new TagService(w.Db);
        var id = await w.CreateAsync("alice");
        await Create(tags, w.Caller(), id, [.. Enumerable.Range(0, 49).Select(i => T($"k{i}"))]);
        // Keys it already has, and a key twice in one request, count once.
        await Create(tags, w.Caller(), id, T("k0", "again"), T("new"), T("new", "last"), T("k1"));
        var ex = await Refused(ErrorCodes.ResourceLimitExceeded, () => Create(tags, w.Caller(), id, T("k2"), T("x")));
        Assert.Equal($"A resource can have at most 50 tags; {id} would have 51.", ex.Message);
        await Create(tags, w.Caller(), id, T("k2", "changed"));
        var all = await Describe(tags, w.Caller(), id);
        Assert.Equal(50, all.Split(',').Length);
        Assert.Contains("k0=again", all);
        Assert.Contains("new=last", all);
        Assert.Contains("k2=changed", all);
        Assert.DoesNotContain("x=", all);
    }

    [SkippableFact]
    public async Task A_refusal_names_the_member_at_fault_and_changes_nothing()
    {
        using var w = new TestWorld();
        var tags = new TagService(w.Db);
        var id = await w.CreateAsync("alice");
        var ctx = w.Caller();
        const string Missing = "The parameter {0} is required but was not provided.";
        const string Empty = "Invalid value for ResourceId: its length must be at least 1.";
        var cases = new (string Message, Func<Task> Call)[]
        {
            (string.Format(Missing, "ResourceId"), () => tags.CreateAsync(ctx, new() { Tags = [T("a")] })),
            (Empty, () => Create(tags, ctx, "", T("a"))),
            (string.Format(Missing, "Tags"), () => tags.CreateAsync(ctx, new() { ResourceId = id })),
            (
                "Invalid value for Tags[1].Key: keys beginning with 'aws:' are reserved for AWS use.",
                () => Create(tags, ctx, id, T("a"), T("aws:cloudformation:stack-name"))
            ),
            (string.Format(Missing, "ResourceId"), () => tags.DeleteAsync(ctx, new() { TagKeys = ["a"] })),
            (Empty, () => Delete(tags, ctx, "", "a")),
            (string.Format(Missing, "TagKeys"), () => tags.DeleteAsync(ctx, new() { ResourceId = id })),
            (string.Format(Missing, "TagKeys[1]"), () => Delete(tags, ctx, id, "a", null!)),
            (
                "Invalid value for TagKeys[1]: its length must be between 1 and 127, but it is 0.",
                () => Delete(tags, ctx, id, "a", "")
            ),
            (
                "Invalid value for TagKeys[0]: its length must be between 1 and 127, but it is 128.",
                () => Delete(tags, ctx, id, new string('k', 128))
            ),
            (string.Format(Missing, "ResourceId"), () => tags.DescribeAsync(ctx, new())),
            (Empty, () => Describe(tags, ctx, "")),
        };
        foreach (var (message, call) in cases)
            Assert.Equal(message, (await Refused(ErrorCodes.InvalidParameterValues, call)).Message);
        Assert.Equal("", await Describe(tags, ctx, id));
    }

    [SkippableTheory]
    [InlineData("ws-abcdefgh99")]
    [InlineData("d-0123456789")]
    [InlineData("wsd-abcdefgh9")]
    [InlineData("wsb-al2std01")]
    [InlineData("i-0123456789")]
    public async Task A_resource_that_does_not_exist_is_not_found_by_any_call(string id)
    {
        using var w = new TestWorld();
        var tags = new TagService(w.Db);
        var calls = new Func<Task>[]
        {
            () => Create(tags, w.Caller(), id, T("a")),
            () => Delete(tags, w.Caller(), id, "a"),
            () => Describe(tags, w.Caller(), id),
        };
        foreach (var call in calls)
        {
            var ex = await Refused(ErrorCodes.ResourceNotFound, call);
            Assert.Equal((id, $"The resource {id} could not be found."), (ex.ResourceId, ex.Message));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Another_account_or_region_neither_sees_nor_changes_the_tags(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var tags = new TagService(w.Db);
        var id = await w.CreateAsync("alice");
        await Create(tags, w.Caller(), id, T("team", "blue"));
        await Create(tags, w.Caller(), Directory, T("site", "hq"));
        foreach (var stranger in new[] { w.Caller("111111111111"), w.Caller(region: "eu-west-1") })
        foreach (var resource in new[] { id, Directory })
        {
            await Refused(ErrorCodes.ResourceNotFound, () => Describe(tags, stranger, resource));
            await Refused(ErrorCodes.ResourceNotFound, () => Create(tags, stranger, resource, T("team", "red")));
            await Refused(ErrorCodes.ResourceNotFound, () => Delete(tags, stranger, resource, "team", "site"));
        }
        Assert.Equal("team=blue", await Describe(tags, w.Caller(), id));
        Assert.Equal("site=hq", await Describe(tags, w.Caller(), Directory));
    }

    [SkippableFact]
    public async Task A_policy_on_workspaces_allows_their_tags_and_not_a_directory_s()
    {
        using var w = new TestWorld();
        var tags = new TagService(w.Db);
        var id = await w.CreateAsync("alice");
        var ctx = WithPolicy(
            """
            {"Effect":"Allow","Action":["workspaces:CreateTags","workspaces:DeleteTags","workspaces:DescribeTags"],
             "Resource":"arn:aws:workspaces:us-east-1:000000000000:workspace/*"}
            """
        );
        await Create(tags, ctx, id, T("a"), T("b"));
        await Delete(tags, ctx, id, "a");
        Assert.Equal("b=v", await Describe(tags, ctx, id));
        var arn = $"arn:aws:workspaces:us-east-1:{Account}:directory/{Directory}";
        foreach (var (action, call) in Calls(tags, ctx, Directory))
            Assert.Equal(
                $"User: arn:aws:iam::{Account}:user/tagger is not authorized to perform: workspaces:{action} "
                    + $"on resource: {arn}",
                (await Refused(ErrorCodes.AccessDenied, call)).Message
            );
    }

    [SkippableFact]
    public async Task A_policy_on_directories_allows_their_tags_and_not_a_workspace_s()
    {
        using var w = new TestWorld();
        var tags = new TagService(w.Db);
        var id = await w.CreateAsync("alice");
        var ctx = WithPolicy("""{"Effect":"Allow","Action":"workspaces:*Tags","Resource":"*:directory/*"}""");
        foreach (var (action, call) in Calls(tags, ctx, id))
            Assert.EndsWith(
                $"workspaces:{action} on resource: arn:aws:workspaces:us-east-1:{Account}:workspace/{id}",
                (await Refused(ErrorCodes.AccessDenied, call)).Message
            );
        await Create(tags, ctx, Directory, T("a"), T("b"));
        await Delete(tags, ctx, Directory, "a");
        Assert.Equal("b=v", await Describe(tags, ctx, Directory));
        // A wsd- id names a directory too: the policy lets the call look for it.
        foreach (var (_, call) in Calls(tags, ctx, "wsd-abcdefgh9"))
            await Refused(ErrorCodes.ResourceNotFound, call);
    }

    private static (string, Func<Task>)[] Calls(TagService tags, CallContext ctx, string id) =>
        [
            ("CreateTags", () => Create(tags, ctx, id, T("a"))),
            ("DeleteTags", () => Delete(tags, ctx, id, "a")),
            ("DescribeTags", () => Describe(tags, ctx, id)),
        ];
}
