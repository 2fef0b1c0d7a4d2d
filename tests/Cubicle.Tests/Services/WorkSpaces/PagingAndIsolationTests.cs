using Cubicle.Domain;
using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;

namespace Cubicle.Tests;

/// <summary>
/// Paging and accounts, on both engines: paging to the end returns every workspace once, in order, whatever the page
/// size; a page token continues only its own query of its own account; no account or region sees, changes or pages
/// through another's workspaces.
/// </summary>
public sealed class PagingAndIsolationTests
{
    private const string Other = "111111111111";

    private static async Task<List<string>> PageThroughAsync(TestWorld w, int limit, string? directoryId = null)
    {
        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = await w.Workspaces.DescribeAsync(
                w.Caller(),
                new DescribeWorkspacesRequest
                {
                    Limit = limit,
                    NextToken = token,
                    DirectoryId = directoryId,
                }
            );
            using (page)
                seen.AddRange(page.Workspaces!.Select(j => Id(j)));
            Assert.True(page.Workspaces!.Count <= limit);
            if (page.NextToken is not null)
                Assert.Equal(limit, page.Workspaces.Count);
            token = page.NextToken;
        } while (token is not null);
        return seen;
    }

    private static string Id(RawJson json) =>
        System.Text.Json.JsonDocument.Parse(json.Utf8.ToArray()).RootElement.GetProperty("WorkspaceId").GetString()!;

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Paging_to_the_end_returns_every_workspace_once_in_order(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var ids = new List<string>();
        var users = Enumerable.Range(0, 23).Select(i => $"pager{i:00}").ToList();
        await Races.AddUsersAsync(w, users);
        foreach (var user in users)
            ids.Add(await w.CreateAsync(user));
        foreach (var limit in new[] { 1, 5, 11, 22, 23, 25 })
            Assert.Equal(ids, await PageThroughAsync(w, limit));
        Assert.Equal(ids, await PageThroughAsync(w, 4, DirectoryLoader.DemoDirectoryId));
        var status = await w.Workspaces.ConnectionStatusAsync(w.Caller(), new());
        Assert.Equal(ids.Take(25), status.WorkspacesConnectionStatus!.Select(s => s.WorkspaceId));
        Assert.Null(status.NextToken);
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task No_account_or_region_reaches_another_ones_workspaces(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var mine = await w.CreateAsync("alice");
        await w.CreateAsync("bob");
        await w.AdvanceAsync(TimeSpan.FromSeconds(5));
        foreach (var stranger in new[] { w.Caller(Other), w.Caller(region: "eu-west-1") })
        {
            var listed = await w.Workspaces.DescribeAsync(stranger, new());
            using (listed)
                Assert.Empty(listed.Workspaces!);
            var byId = await w.Workspaces.DescribeAsync(stranger, new() { WorkspaceIds = [mine] });
            using (byId)
                Assert.Empty(byId.Workspaces!);
            List<WorkspaceChangeRequest> one = [new() { WorkspaceId = mine }];
            foreach (
                var result in new[]
                {
                    await w.Workspaces.RebootAsync(stranger, new() { RebootWorkspaceRequests = one }),
                    await w.Workspaces.StopAsync(stranger, new() { StopWorkspaceRequests = one }),
                    await w.Workspaces.TerminateAsync(stranger, new() { TerminateWorkspaceRequests = one }),
                }
            )
                Assert.Equal(ErrorCodes.ItemWorkspaceNotFound, Assert.Single(result.FailedRequests).ErrorCode);
            var modify = await Assert.ThrowsAsync<ApiException>(() =>
                w.Workspaces.ModifyStateAsync(
                    stranger,
                    new() { WorkspaceId = mine, WorkspaceState = "ADMIN_MAINTENANCE" }
                )
            );
            Assert.Equal(ErrorCodes.ResourceNotFound, modify.Code);
            var page = await w.Workspaces.DescribeAsync(w.Caller(), new() { Limit = 1 });
            page.Dispose();
            var foreign = await Assert.ThrowsAsync<ApiException>(() =>
                w.Workspaces.DescribeAsync(stranger, new() { Limit = 1, NextToken = page.NextToken })
            );
            Assert.Equal(ErrorCodes.InvalidParameterValues, foreign.Code);
        }
        Assert.Equal("AVAILABLE", await w.StateAsync(mine));
    }
}
