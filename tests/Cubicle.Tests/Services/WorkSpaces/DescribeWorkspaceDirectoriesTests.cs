using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using static Cubicle.Tests.DirectoryWorld;

namespace Cubicle.Tests;

/// <summary>
/// DescribeWorkspaceDirectories as a client sees it: the account's directories in the order they were registered,
/// pages of Limit (25 unless told) continued by NextToken, selected by id, by name and by filters on the user identity
/// type and the WorkSpace type; a NextToken continues only the request that made it.
/// </summary>
public sealed class DescribeWorkspaceDirectoriesTests
{
    private const string BelongsElsewhere =
        "The NextToken does not belong to this request: the filters differ from the call that returned it.";

    private static string A(int i) => $"d-a{i:d9}";

    /// <summary>Directories a1..aN after the demo one, as a directories file defines them.</summary>
    private static async Task<DirectoryWorld> WorldAsync(
        int count,
        Func<int, string>? more = null,
        string engine = "sqlite"
    )
    {
        var w = new DirectoryWorld(engine);
        var entries = Enumerable
            .Range(1, count)
            .Select(i =>
                $$"""{"DirectoryId": "{{A(i)}}", "SubnetIds": ["subnet-0a1b2c{{i:x2}}"]{{more?.Invoke(i)}}}"""
            );
        var file = Path.Combine(w.W.Folder, "directories.json");
        await File.WriteAllTextAsync(file, $$"""{"Directories": [{{string.Join(",", entries)}}]}""");
        await DirectoryLoader.LoadAsync(w.W.Db, file, w.W.Clock);
        return w;
    }

    private static async Task<(string Ids, string? Next)> PageAsync(
        DirectoryWorld w,
        DescribeWorkspaceDirectoriesRequest req,
        CallContext? ctx = null
    )
    {
        var r = await w.Service.DescribeAsync(ctx ?? w.Caller(), req);
        return (
            string.Join(
                " ",
                r.Directories!.Select(d => d.DirectoryId == Demo ? "demo" : d.DirectoryId![3..].TrimStart('0'))
            ),
            r.NextToken
        );
    }

    private static DescribeWorkspaceDirectoriesFilter F(string name, params string[] values) =>
        new() { Name = name, Values = [.. values] };

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Pages_of_Limit_directories_go_through_each_once_in_order(string engine)
    {
        using var w = await WorldAsync(4, engine: engine);
        var (ids, next) = await PageAsync(w, new() { Limit = 2 });
        Assert.Equal("demo 1", ids);
        Assert.NotNull(next);
        (ids, var last) = await PageAsync(w, new() { Limit = 2, NextToken = next });
        Assert.Equal("2 3", ids);
        (ids, last) = await PageAsync(w, new() { Limit = 2, NextToken = last });
        Assert.Equal(("4", null), (ids, last));
        // A continuation may ask for another page size.
        Assert.Equal(("2 3 4", null), await PageAsync(w, new() { Limit = 3, NextToken = next }));
    }

    [SkippableFact]
    public async Task A_page_holds_25_directories_unless_told()
    {
        using var w = await WorldAsync(25);
        var first = await w.Service.DescribeAsync(w.Caller(), new());
        Assert.Equal(25, first.Directories!.Count);
        Assert.Equal(A(24), first.Directories[^1].DirectoryId);
        var (ids, next) = await PageAsync(w, new() { NextToken = first.NextToken });
        Assert.Equal(("25", null), (ids, next));
    }

    [SkippableFact]
    public async Task A_last_page_that_is_exactly_full_has_no_NextToken()
    {
        using var w = await WorldAsync(1);
        Assert.Equal(("demo 1", null), await PageAsync(w, new() { Limit = 2 }));
        Assert.Equal(("demo", null), await PageAsync(w, new() { DirectoryIds = [Demo], Limit = 1 }));
    }

    private static string Kinds(int i) =>
        i switch
        {
            2 => """, "UserIdentityType": "CUSTOMER_MANAGED", "WorkspaceType": "POOLS" """,
            3 => """, "UserIdentityType": "AWS_IAM_IDENTITY_CENTER" """,
            4 => """, "UserIdentityType": "CUSTOMER_MANAGED", "WorkspaceType": "PERSONAL" """,
            _ => "",
        };

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Filters_select_by_user_identity_type_and_WorkSpace_type(string engine)
    {
        using var w = await WorldAsync(4, Kinds, engine);
        async Task<string> Select(params DescribeWorkspaceDirectoriesFilter[] filters) =>
            (await PageAsync(w, new() { Filters = [.. filters] })).Ids;

        Assert.Equal("2 4", await Select(F("USER_IDENTITY_TYPE", "CUSTOMER_MANAGED")));
        Assert.Equal("demo 1", await Select(F("USER_IDENTITY_TYPE", "AWS_DIRECTORY_SERVICE")));
        Assert.Equal("2 3 4", await Select(F("USER_IDENTITY_TYPE", "CUSTOMER_MANAGED", "AWS_IAM_IDENTITY_CENTER")));
        Assert.Equal("2", await Select(F("WORKSPACE_TYPE", "POOLS")));
        Assert.Equal("demo 1 3 4", await Select(F("WORKSPACE_TYPE", "PERSONAL")));
        Assert.Equal("4", await Select(F("USER_IDENTITY_TYPE", "CUSTOMER_MANAGED"), F("WORKSPACE_TYPE", "PERSONAL")));
        // A filter looks at its own member only.
        Assert.Equal("", await Select(F("WORKSPACE_TYPE", "CUSTOMER_MANAGED")));
        Assert.Equal("", await Select(F("USER_IDENTITY_TYPE", "POOLS")));
        Assert.Equal("", await Select(F("USER_IDENTITY_TYPE", "")));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Filtered_pages_read_on_until_they_are_full(string engine)
    {
        // Of eight directories, 1, 6 and 8 are customer-managed, and 1 and 6 are pools.
        using var w = await WorldAsync(
            8,
            i =>
                i switch
                {
                    1 or 6 => """, "UserIdentityType": "CUSTOMER_MANAGED", "WorkspaceType": "POOLS" """,
                    8 => """, "UserIdentityType": "CUSTOMER_MANAGED" """,
                    _ => "",
                },
            engine
        );
        var managed = new List<DescribeWorkspaceDirectoriesFilter> { F("USER_IDENTITY_TYPE", "CUSTOMER_MANAGED") };
        var (ids, next) = await PageAsync(w, new() { Limit = 2, Filters = managed });
        Assert.Equal("1 6", ids);
        Assert.Equal(
            ("8", null),
            await PageAsync(
                w,
                new()
                {
                    Limit = 2,
                    Filters = managed,
                    NextToken = next,
                }
            )
        );

        (ids, next) = await PageAsync(w, new() { Limit = 1, Filters = managed });
        Assert.Equal("1", ids);
        (ids, next) = await PageAsync(
            w,
            new()
            {
                Limit = 1,
                Filters = managed,
                NextToken = next,
            }
        );
        Assert.Equal("6", ids);
        Assert.Equal(
            ("8", null),
            await PageAsync(
                w,
                new()
                {
                    Limit = 1,
                    Filters = managed,
                    NextToken = next,
                }
            )
        );

        // The two pools fill the page, and no other follows: no NextToken.
        Assert.Equal(("1 6", null), await PageAsync(w, new() { Limit = 2, Filters = [F("WORKSPACE_TYPE", "POOLS")] }));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Directories_are_selected_by_id_and_by_name(string engine)
    {
        using var w = await WorldAsync(
            4,
            i => $$""", "DirectoryName": "{{(i % 2 == 0 ? "east" : "west")}}.example.com" """,
            engine
        );
        Assert.Equal("demo 1 3", (await PageAsync(w, new() { DirectoryIds = [A(3), Demo, A(1), "d-0123456789"] })).Ids);
        Assert.Equal("2 4", (await PageAsync(w, new() { WorkspaceDirectoryNames = ["east.example.com"] })).Ids);
        Assert.Equal(
            "4",
            (
                await PageAsync(
                    w,
                    new() { DirectoryIds = [A(3), A(4)], WorkspaceDirectoryNames = ["east.example.com"] }
                )
            ).Ids
        );
        var (ids, next) = await PageAsync(w, new() { DirectoryIds = [A(4), A(2), A(3)], Limit = 2 });
        Assert.Equal("2 3", ids);
        Assert.Equal(("4", null), await PageAsync(w, new() { DirectoryIds = [A(4), A(2), A(3)], NextToken = next }));

        // A registration is found by the name of its directory too.
        await w.DsDirectoryAsync("d-1000000001", name: "north.example.com");
        await w.RegisterAsync("d-1000000001");
        var north = await w.Service.DescribeAsync(
            w.Caller(),
            new() { WorkspaceDirectoryNames = ["north.example.com"] }
        );
        Assert.Equal("d-1000000001", Assert.Single(north.Directories!).DirectoryId);
    }

    [SkippableFact]
    public async Task Each_account_and_region_lists_its_own_directories()
    {
        using var w = await WorldAsync(
            2,
            i => i == 1 ? """, "AccountId": "111122223333" """ : """, "Region": "eu-west-1" """
        );
        Assert.Equal("demo", (await PageAsync(w, new())).Ids);
        Assert.Equal("1", (await PageAsync(w, new(), w.Caller(account: "111122223333"))).Ids);
        Assert.Equal("2", (await PageAsync(w, new(), w.Caller(region: "eu-west-1"))).Ids);
    }

    [SkippableFact]
    public async Task A_NextToken_continues_only_the_request_that_made_it()
    {
        using var w = await WorldAsync(4, Kinds);
        var both = F("WORKSPACE_TYPE", "PERSONAL", "POOLS");
        var next = (await PageAsync(w, new() { Limit = 1, Filters = [both] })).Next!;
        var byId = (await PageAsync(w, new() { Limit = 1, DirectoryIds = [Demo, A(1)] })).Next!;
        var others = new (string Token, DescribeWorkspaceDirectoriesRequest Request)[]
        {
            (next, new()),
            (next, new() { Filters = [F("WORKSPACE_TYPE", "PERSONALPOOLS")] }),
            (next, new() { Filters = [F("USER_IDENTITY_TYPE", "PERSONAL", "POOLS")] }),
            (next, new() { Filters = [both], DirectoryIds = [A(1)] }),
            (next, new() { Filters = [both], WorkspaceDirectoryNames = ["corp.example.com"] }),
            (byId, new()),
            (byId, new() { DirectoryIds = [Demo] }),
        };
        foreach (var (token, req) in others)
        {
            req.NextToken = token;
            var ex = await Refused(ErrorCodes.InvalidParameterValues, () => w.Service.DescribeAsync(w.Caller(), req));
            Assert.Equal(BelongsElsewhere, ex.Message);
        }
        var elsewhere = await Refused(
            ErrorCodes.InvalidParameterValues,
            () =>
                w.Service.DescribeAsync(
                    w.Caller(region: "eu-west-1"),
                    new() { NextToken = byId, DirectoryIds = [Demo, A(1)] }
                )
        );
        Assert.Equal(BelongsElsewhere, elsewhere.Message);
        Assert.Equal(
            "1 2",
            (
                await PageAsync(
                    w,
                    new()
                    {
                        Limit = 2,
                        Filters = [both],
                        NextToken = next,
                    }
                )
            ).Ids
        );
    }

    [SkippableFact]
    public async Task A_refusal_names_the_member_at_fault()
    {
        using var w = new DirectoryWorld();
        var ok = F("WORKSPACE_TYPE", "PERSONAL");
        var ids = Enumerable.Range(1, 26).Select(A).ToList();
        var names = Enumerable.Range(1, 26).Select(i => $"site{i}").ToList();
        var cases = new (DescribeWorkspaceDirectoriesRequest Request, string Message)[]
        {
            (
                new() { DirectoryIds = [] },
                "Invalid value for DirectoryIds: it must hold between 1 and 25 items, but holds 0."
            ),
            (
                new() { DirectoryIds = ids },
                "Invalid value for DirectoryIds: it must hold between 1 and 25 items, but holds 26."
            ),
            (
                new() { DirectoryIds = [Demo, "x-1"] },
                "Invalid value for DirectoryIds[1]: 'x-1' does not match the pattern"
            ),
            (
                new() { WorkspaceDirectoryNames = [] },
                "Invalid value for WorkspaceDirectoryNames: it must hold between 1 and 25 items, but holds 0."
            ),
            (
                new() { WorkspaceDirectoryNames = names },
                "Invalid value for WorkspaceDirectoryNames: it must hold between 1 and 25 items, but holds 26."
            ),
            (
                new() { WorkspaceDirectoryNames = ["corp", "-x"] },
                "Invalid value for WorkspaceDirectoryNames[1]: '-x' does not match the pattern"
            ),
            (new() { Limit = 0 }, "Invalid value for Limit: 0 is outside the valid range 1..25."),
            (new() { Limit = 26 }, "Invalid value for Limit: 26 is outside the valid range 1..25."),
            (
                new() { NextToken = "" },
                "Invalid value for NextToken: its length must be between 1 and 2048, but it is 0."
            ),
            (
                new() { NextToken = "abc" },
                "The NextToken is not valid: pass the NextToken value from a previous call unchanged."
            ),
            (new() { Filters = [] }, "Invalid value for Filters: it must hold between 1 and 25 items, but holds 0."),
            (
                new() { Filters = [.. Enumerable.Repeat(ok, 26)] },
                "Invalid value for Filters: it must hold between 1 and 25 items, but holds 26."
            ),
            (
                new() { Filters = [ok, new() { Values = ["PERSONAL"] }] },
                "The parameter Filters[1].Name is required but was not provided."
            ),
            (
                new() { Filters = [ok, F("TYPE", "PERSONAL")] },
                "Invalid value for Filters[1].Name: 'TYPE' is not one of USER_IDENTITY_TYPE, WORKSPACE_TYPE."
            ),
            (
                new() { Filters = [ok, new() { Name = "WORKSPACE_TYPE" }] },
                "The parameter Filters[1].Values is required but was not provided."
            ),
            (
                new() { Filters = [ok, F("WORKSPACE_TYPE")] },
                "Invalid value for Filters[1].Values: it must hold between 1 and 25 items, but holds 0."
            ),
            (
                new() { Filters = [ok, F("WORKSPACE_TYPE", [.. names])] },
                "Invalid value for Filters[1].Values: it must hold between 1 and 25 items, but holds 26."
            ),
            (
                new() { Filters = [ok, F("WORKSPACE_TYPE", "PERSONAL", "a b")] },
                "Invalid value for Filters[1].Values[1]: 'a b' does not match the pattern"
            ),
        };
        foreach (var (req, message) in cases)
        {
            var ex = await Refused(ErrorCodes.InvalidParameterValues, () => w.Service.DescribeAsync(w.Caller(), req));
            Assert.StartsWith(message, ex.Message);
        }
    }
}
