using System.Text.Json;
using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;
using static Cubicle.Tests.Steps;

namespace Cubicle.Tests;

/// <summary>
/// DescribeWorkspaces by each filter, rows whose cached rendering is stale (an upgrade under way), and
/// DescribeWorkspacesConnectionStatus: the connection state while the desktop runs (UNKNOWN otherwise), its
/// timestamps, and its pages.
/// </summary>
public sealed class DescribeWorkspacesTests
{
    private const string Dir = DirectoryLoader.DemoDirectoryId;

    private static async Task<List<string>> IdsAsync(TestWorld w, DescribeWorkspacesRequest req)
    {
        using var r = await w.Workspaces.DescribeAsync(w.Caller(), req);
        return
        [
            .. r.Workspaces!.Select(j =>
                JsonDocument.Parse(j.Utf8.ToArray()).RootElement.GetProperty("WorkspaceId").GetString()!
            ),
        ];
    }

    private static async Task<List<JsonElement>> DescribeAllAsync(TestWorld w)
    {
        using var r = await w.Workspaces.DescribeAsync(w.Caller(), new());
        return [.. r.Workspaces!.Select(j => JsonDocument.Parse(j.Utf8.ToArray()).RootElement.Clone())];
    }

    private static async Task SqlAsync(TestWorld w, string sql)
    {
        if (w.ConnectionString is null)
        {
            await using var c = new Microsoft.Data.Sqlite.SqliteConnection(
                $"Data Source={Path.Combine(w.Folder, "cubicle.db")}"
            );
            await c.OpenAsync();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            await cmd.ExecuteNonQueryAsync();
        }
        else
        {
            await using var c = new Npgsql.NpgsqlConnection(w.ConnectionString);
            await c.OpenAsync();
            await using var cmd = new Npgsql.NpgsqlCommand(sql, c);
            await cmd.ExecuteNonQueryAsync();
        }
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Each_filter_finds_its_workspaces(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var alice = await w.CreateAsync("alice");
        var r = await w.Workspaces.CreateAsync(
            w.Caller(),
            new()
            {
                Workspaces =
                [
                    new()
                    {
                        DirectoryId = Dir,
                        UserName = "bob",
                        BundleId = "wsb-w22std01",
                        WorkspaceName = "bobs-desk",
                    },
                ],
            }
        );
        var bob = r.PendingRequests![0].WorkspaceId!;
        Assert.Equal([alice, bob], await IdsAsync(w, new()));
        Assert.Equal([alice, bob], await IdsAsync(w, new() { DirectoryId = Dir }));
        Assert.Equal([bob], await IdsAsync(w, new() { DirectoryId = Dir, UserName = "bob" }));
        Assert.Equal([bob], await IdsAsync(w, new() { BundleId = "wsb-w22std01" }));
        Assert.Equal([bob], await IdsAsync(w, new() { WorkspaceName = "bobs-desk" }));
        Assert.Equal([alice], await IdsAsync(w, new() { WorkspaceIds = [alice, alice] }));
        Assert.Equal([alice, bob], await IdsAsync(w, new() { WorkspaceIds = [bob, alice] }));

        // A page token continues its own query only.
        using var first = await w.Workspaces.DescribeAsync(
            w.Caller(),
            new() { WorkspaceIds = [alice, bob], Limit = 1 }
        );
        Assert.NotNull(first.NextToken);
        Assert.Equal(
            [bob],
            await IdsAsync(
                w,
                new()
                {
                    WorkspaceIds = [alice, bob],
                    Limit = 1,
                    NextToken = first.NextToken,
                }
            )
        );
        await RefusedAsync(
            ErrorCodes.InvalidParameterValues,
            () => w.Workspaces.DescribeAsync(w.Caller(), new() { WorkspaceIds = [bob], NextToken = first.NextToken })
        );
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Rows_rendered_by_another_version_are_rendered_again(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var ids = new List<string>();
        foreach (var user in new[] { "alice", "bob", "carol", "dave" })
            ids.Add(await w.CreateAsync(user));
        await w.AdvanceAsync(TimeSpan.FromSeconds(5));
        var expected = await DescribeAllAsync(w);
        Assert.Equal(ids, expected.Select(e => e.GetProperty("WorkspaceId").GetString()));
        Assert.All(expected, e => Assert.Equal("AVAILABLE", e.GetProperty("State").GetString()));
        // bob's rendering is of an older version; carol's is missing.
        await SqlAsync(w, $"UPDATE workspaces SET api_json_version=0 WHERE workspace_id='{ids[1]}'");
        await SqlAsync(w, $"UPDATE workspaces SET api_json=NULL WHERE workspace_id='{ids[2]}'");
        var again = await DescribeAllAsync(w);
        Assert.Equal(expected.Select(e => e.GetRawText()), again.Select(e => e.GetRawText()));
        using var page = await w.Workspaces.DescribeAsync(w.Caller(), new() { Limit = 3 });
        Assert.Equal(3, page.Workspaces!.Count);
        Assert.Equal(
            expected.Take(3).Select(e => e.GetRawText()),
            page.Workspaces.Select(j => JsonDocument.Parse(j.Utf8.ToArray()).RootElement.GetRawText())
        );
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Connection_status_is_known_while_the_desktop_runs(string engine)
    {
        using var w = new TestWorld(quota: 1000, engine: engine);
        string[] states =
        [
            "AVAILABLE",
            "IMPAIRED",
            "UNHEALTHY",
            "REBOOTING",
            "REBUILDING",
            "STOPPED",
            "STARTING",
            "ERROR",
        ];
        var ids = await Races.AvailableAsync(w, states.Length);
        await w.AdvanceAsync(TimeSpan.FromMinutes(1));
        foreach (var id in ids)
            await w.Workspaces.RecordConnectionAsync(id, connected: true);
        var connectedAt = Seconds(w);
        await w.AdvanceAsync(TimeSpan.FromMinutes(1));
        for (var i = 0; i < states.Length; i++)
        {
            var ws = await RecordAsync(w, ids[i]);
            ws.State = states[i];
            await w.Db.WriteAsync(
                Journal.Service,
                async u =>
                {
                    await u.Jobs.CancelAsync(JobSubjects.Workspace, ws.Seq);
                    await WorkspaceJson.SaveAsync(u.Workspaces, ws);
                    return 0;
                }
            );
        }
        var created = Seconds(w);
        var pending = await w.CreateAsync("alice");
        var r = await w.Workspaces.ConnectionStatusAsync(w.Caller(), new() { WorkspaceIds = [pending, .. ids] });
        var status = r.WorkspacesConnectionStatus!.ToDictionary(s => s.WorkspaceId!);
        var first = status[pending];
        Assert.Equal(
            ("DISCONNECTED", created, null),
            (first.ConnectionState, first.ConnectionStateCheckTimestamp, first.LastKnownUserConnectionTimestamp)
        );
        for (var i = 0; i < states.Length; i++)
        {
            var s = status[ids[i]];
            var known = states[i] is "AVAILABLE" or "IMPAIRED" or "UNHEALTHY" or "REBOOTING" or "REBUILDING";
            Assert.Equal(
                (states[i], known ? "CONNECTED" : "UNKNOWN", connectedAt, connectedAt),
                (states[i], s.ConnectionState, s.ConnectionStateCheckTimestamp, s.LastKnownUserConnectionTimestamp)
            );
        }
        Assert.Null(r.NextToken);
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Connection_status_comes_in_pages_of_25(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var users = Enumerable.Range(0, 26).Select(i => $"pager{i:00}").ToList();
        await Races.AddUsersAsync(w, users);
        var ids = new List<string>();
        foreach (var user in users)
            ids.Add(await w.CreateAsync(user));
        var first = await w.Workspaces.ConnectionStatusAsync(w.Caller(), new());
        Assert.Equal(ids.Take(25), first.WorkspacesConnectionStatus!.Select(s => s.WorkspaceId));
        Assert.NotNull(first.NextToken);
        var second = await w.Workspaces.ConnectionStatusAsync(w.Caller(), new() { NextToken = first.NextToken });
        Assert.Equal(ids.Skip(25), second.WorkspacesConnectionStatus!.Select(s => s.WorkspaceId));
        Assert.Null(second.NextToken);
        await RefusedAsync(
            ErrorCodes.InvalidParameterValues,
            () =>
                w.Workspaces.ConnectionStatusAsync(
                    w.Caller(),
                    new() { WorkspaceIds = [ids[25]], NextToken = first.NextToken }
                )
        );
        await RefusedAsync(
            ErrorCodes.InvalidParameterValues,
            () => w.Workspaces.DescribeAsync(w.Caller(), new() { NextToken = first.NextToken })
        );
    }
}
