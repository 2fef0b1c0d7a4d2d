using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;

namespace Cubicle.Tests;

/// <summary>The durable job queue as several nodes use it: claims never overlap, leases hold until they lapse, a
/// lapsed lease is claimed again, and a node only ever frees its own earlier process's leases.</summary>
public sealed class JobQueueTests
{
    private static long Now(TestWorld w) => w.Clock.GetUtcNow().ToUnixTimeMilliseconds();

    private static Task<List<JobRecord>> ClaimAsync(
        IDatabase db,
        long now,
        string owner,
        int max = 100,
        long leaseMs = 30_000
    ) => db.WriteAsync(Journal.Service, u => u.Jobs.ClaimAsync(now, owner, now + leaseMs, owner.Split(':')[0], max));

    private static async Task QueueAsync(IDatabase db, int count, long due)
    {
        await db.WriteAsync(
            Journal.Service,
            async u =>
            {
                for (var i = 0; i < count; i++)
                    await u.Jobs.ScheduleAsync(JobSubjects.Workspace, 1000 + i, "TEST", due);
                return 0;
            }
        );
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Nodes_claiming_at_once_never_claim_the_same_job(string engine)
    {
        using var w = new TestWorld(engine: engine);
        await QueueAsync(w.Db, 200, Now(w));
        var other = engine == "postgres" ? w.OtherNode("b").Db : w.Db;
        var a = new List<long>();
        var b = new List<long>();
        async Task Drain(IDatabase db, string owner, List<long> into)
        {
            while (true)
            {
                var claimed = await ClaimAsync(db, Now(w), owner, max: 7);
                if (claimed.Count == 0)
                    return;
                into.AddRange(claimed.Select(j => j.Id));
            }
        }
        await Task.WhenAll(Task.Run(() => Drain(w.Db, "a:1", a)), Task.Run(() => Drain(other, "b:1", b)));
        Assert.Equal(200, a.Count + b.Count);
        Assert.Empty(a.Intersect(b));
        Assert.Equal(200, a.Concat(b).Distinct().Count());
        if (other != w.Db)
            await other.DisposeAsync();
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_held_lease_is_not_claimed_a_lapsed_one_is_and_the_old_owner_loses_it(string engine)
    {
        using var w = new TestWorld(engine: engine);
        await QueueAsync(w.Db, 1, Now(w));
        var first = Assert.Single(await ClaimAsync(w.Db, Now(w), "a:1", leaseMs: 10_000));
        Assert.Empty(await ClaimAsync(w.Db, Now(w), "b:1"));
        w.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.True(
            await w.Db.WriteAsync(
                Journal.Service,
                u => u.Jobs.RenewAsync(first.Id, "a:1", first.Attempts, Now(w) + 10_000)
            )
        );
        w.Clock.Advance(TimeSpan.FromSeconds(9)); // renewed: still held
        Assert.Empty(await ClaimAsync(w.Db, Now(w), "b:1"));
        w.Clock.Advance(TimeSpan.FromSeconds(2)); // lapsed (node a died)
        var second = Assert.Single(await ClaimAsync(w.Db, Now(w), "b:1"));
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(first.Attempts + 1, second.Attempts);
        // The old owner can no longer renew it, and its outcome is dropped.
        Assert.False(
            await w.Db.WriteAsync(
                Journal.Service,
                u => u.Jobs.RenewAsync(first.Id, "a:1", first.Attempts, Now(w) + 10_000)
            )
        );
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_node_frees_only_its_own_earlier_leases(string engine)
    {
        using var w = new TestWorld(engine: engine);
        await QueueAsync(w.Db, 2, Now(w));
        Assert.Single(await ClaimAsync(w.Db, Now(w), "a:dead", max: 1));
        Assert.Single(await ClaimAsync(w.Db, Now(w), "b:alive", max: 1));
        Assert.Equal(1, await w.Db.WriteAsync(Journal.Service, u => u.Jobs.ReleaseNodeAsync("a")));
        var reclaimed = Assert.Single(await ClaimAsync(w.Db, Now(w), "a:new"));
        Assert.NotNull(reclaimed);
        Assert.Empty(await ClaimAsync(w.Db, Now(w), "c:1")); // b's lease still holds
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_superseded_transition_keeps_only_the_newer_outcome(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var id = await w.CreateAsync("alice");
        await w.AdvanceAsync(TimeSpan.FromSeconds(5));
        await w.Workspaces.RebootAsync(
            w.Caller(),
            new RebootWorkspacesRequest { RebootWorkspaceRequests = [new() { WorkspaceId = id }] }
        );
        w.Clock.Advance(TimeSpan.FromSeconds(5));
        var reboot = (await ClaimAsync(w.Db, Now(w), w.Node.LeaseOwner)).Single(j => j.Kind == "REBOOT");
        // Terminated while the reboot ran: the reboot's job is gone, its outcome must not make it AVAILABLE.
        await w.Workspaces.TerminateAsync(
            w.Caller(),
            new TerminateWorkspacesRequest { TerminateWorkspaceRequests = [new() { WorkspaceId = id }] }
        );
        await w.Jobs.CompleteAsync(reboot, w.Node.LeaseOwner, null);
        Assert.Equal("TERMINATING", await w.StateAsync(id));
        Assert.False(
            await w.Db.WriteAsync(
                Journal.Service,
                u => u.Jobs.RenewAsync(reboot.Id, w.Node.LeaseOwner, reboot.Attempts, Now(w) + 1)
            )
        );
        await w.AdvanceAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("TERMINATED", await w.StateAsync(id));
    }
}
