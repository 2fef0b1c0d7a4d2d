using Cubicle.Audit;
using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cubicle.Tests;

public sealed class AuditTests
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

    [SkippableFact]
    public async Task A_change_and_its_event_commit_together_and_roll_back_together()
    {
        using var w = new TestWorld(quota: 1);
        var audit = new AuditLog(w.Db, w.Clock, new AuditOptions(), NullLogger<AuditLog>.Instance);
        var op = Op.Change(
            "CreateWorkspaces",
            ApiJsonContext.Default.CreateWorkspacesRequest,
            ApiJsonContext.Default.CreateWorkspacesResult,
            w.Workspaces.CreateAsync
        );

        var ctx = w.Caller();
        var body = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(
            One("alice"),
            ApiJsonContext.Default.CreateWorkspacesRequest
        );
        await op.InvokeAsync(ctx, body, audit);
        Assert.True(ctx.Journaled);
        var events = await w.Db.ReadAsync(u =>
            u.Audit.LookupAsync(
                new AuditQuery(
                    ctx.AccountId,
                    ctx.Region,
                    "EventName",
                    "CreateWorkspaces",
                    null,
                    null,
                    long.MaxValue,
                    10
                )
            )
        );
        var e = Assert.Single(events);
        Assert.Contains("\"pendingRequests\"", e.Body);
        Assert.Contains(ctx.RequestId, e.Body);

        // Past the quota the transaction rolls back: no workspace and no event from it.
        var failing = w.Caller();
        var body2 = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(
            One("bob"),
            ApiJsonContext.Default.CreateWorkspacesRequest
        );
        await Assert.ThrowsAsync<ApiException>(() => op.InvokeAsync(failing, body2, audit));
        Assert.False(failing.Journaled);
        events = await w.Db.ReadAsync(u =>
            u.Audit.LookupAsync(
                new AuditQuery(
                    ctx.AccountId,
                    ctx.Region,
                    "EventName",
                    "CreateWorkspaces",
                    null,
                    null,
                    long.MaxValue,
                    10
                )
            )
        );
        Assert.Single(events);
    }

    [SkippableFact]
    public async Task Lookup_by_resource_finds_the_workspace_newest_first()
    {
        using var w = new TestWorld();
        var audit = new AuditLog(w.Db, w.Clock, new AuditOptions(), NullLogger<AuditLog>.Instance);
        var op = Op.Change(
            "CreateWorkspaces",
            ApiJsonContext.Default.CreateWorkspacesRequest,
            ApiJsonContext.Default.CreateWorkspacesResult,
            w.Workspaces.CreateAsync
        );
        foreach (var user in new[] { "alice", "bob" })
            await op.InvokeAsync(
                w.Caller(),
                System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(
                    One(user),
                    ApiJsonContext.Default.CreateWorkspacesRequest
                ),
                audit
            );
        var all = await w.Db.ReadAsync(u =>
            u.Audit.LookupAsync(new AuditQuery("000000000000", "us-east-1", null, null, null, null, long.MaxValue, 10))
        );
        Assert.Equal(2, all.Count);
        Assert.True(all[0].Seq > all[1].Seq);
        var ws = (
            await w.Db.ReadAsync(u =>
                u.Workspaces.ListAsync(
                    new WorkspaceQuery("000000000000", "us-east-1", null, "d-926722edaf", "bob", null, null, 0, 1)
                )
            )
        )[0].WorkspaceId;
        var found = await w.Db.ReadAsync(u =>
            u.Audit.LookupAsync(
                new AuditQuery("000000000000", "us-east-1", "ResourceName", ws, null, null, long.MaxValue, 10)
            )
        );
        Assert.Equal(all[0].EventId, Assert.Single(found).EventId);
    }
}
