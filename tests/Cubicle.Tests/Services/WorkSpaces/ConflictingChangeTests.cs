using Cubicle.Domain;
using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;

namespace Cubicle.Tests;

/// <summary>
/// The guarantee of docs/storage.md: an acknowledged change is never overwritten by a concurrent one, and of two
/// conflicting changes at most one is acknowledged. Two "nodes" (on SQLite, two connections to one file; on
/// PostgreSQL, two pools) change the same 25 workspaces at the same instant, in batches and one call at a time.
/// </summary>
public sealed class ConflictingChangeTests
{
    private const int Count = 25;

    /// <summary>Holds the calls where each saves the workspace (after its checks): whichever saves second would
    /// overwrite the first, were its check not held against it.</summary>
    private const string HoldRows = "SELECT seq FROM workspaces FOR UPDATE";

    /// <summary>One workspace's change through one node: null when acknowledged, else the refusal's code.</summary>
    private delegate Task<string?> Change(WorkspaceActions node, CallContext ctx, string id);

    private static async Task<string?> Item(Task<WorkspaceChangeResult> call) =>
        (await call).FailedRequests.SingleOrDefault()?.ErrorCode;

    private static List<WorkspaceChangeRequest> Ids(params string[] ids) =>
        ids.Select(id => new WorkspaceChangeRequest { WorkspaceId = id }).ToList();

    /// <summary>Each change: the call, the state it needs, the state it leaves, and the codes it may be refused
    /// with when a concurrent change got there first.</summary>
    private sealed record Rule(Change Call, string From, string To, string[] Refusals);

    private static readonly string[] StateRefusal = [ErrorCodes.ItemInvalidState];

    private static readonly Dictionary<string, Rule> Rules = new()
    {
        ["Reboot"] = new(
            (s, c, id) => Item(s.RebootAsync(c, new() { RebootWorkspaceRequests = Ids(id) })),
            WorkspaceState.Available,
            WorkspaceState.Rebooting,
            StateRefusal
        ),
        ["Rebuild"] = new(
            (s, c, id) => Item(s.RebuildAsync(c, new() { RebuildWorkspaceRequests = Ids(id) })),
            WorkspaceState.Available,
            WorkspaceState.Rebuilding,
            StateRefusal
        ),
        ["Stop"] = new(
            (s, c, id) => Item(s.StopAsync(c, new() { StopWorkspaceRequests = Ids(id) })),
            WorkspaceState.Available,
            WorkspaceState.Stopping,
            StateRefusal
        ),
        ["Start"] = new(
            (s, c, id) => Item(s.StartAsync(c, new() { StartWorkspaceRequests = Ids(id) })),
            WorkspaceState.Stopped,
            WorkspaceState.Starting,
            StateRefusal
        ),
        ["Restore"] = new(
            (s, c, id) => Races.Outcome(() => s.RestoreAsync(c, new() { WorkspaceId = id })),
            WorkspaceState.Available,
            WorkspaceState.Restoring,
            [ErrorCodes.OperationNotSupported]
        ),
        ["Modify"] = new(
            (s, c, id) =>
                Races.Outcome(() =>
                    s.ModifyAsync(
                        c,
                        new()
                        {
                            WorkspaceId = id,
                            WorkspaceProperties = new() { ComputeTypeName = "PERFORMANCE" },
                        }
                    )
                ),
            WorkspaceState.Available,
            WorkspaceState.Updating,
            [ErrorCodes.InvalidResourceState, ErrorCodes.ResourceUnavailable, ErrorCodes.OperationInProgress]
        ),
        ["ModifyState"] = new(
            (s, c, id) =>
                Races.Outcome(() =>
                    s.ModifyStateAsync(c, new() { WorkspaceId = id, WorkspaceState = WorkspaceState.AdminMaintenance })
                ),
            WorkspaceState.Available,
            WorkspaceState.AdminMaintenance,
            [ErrorCodes.InvalidResourceState]
        ),
    };

    public static TheoryData<string, string, bool> TerminateAgainst()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var engine in TestWorld.Engines())
        foreach (var change in Rules.Keys)
        {
            data.Add(engine, change, false);
            if (change is "Reboot" or "Stop" or "Start")
                data.Add(engine, change, true);
        }
        return data;
    }

    /// <summary>The workspaces of a fresh world, in the state <paramref name="from"/>.</summary>
    private static async Task<List<string>> InStateAsync(TestWorld w, string from)
    {
        var ids = await Races.AvailableAsync(w, Count);
        if (from == WorkspaceState.Stopped)
        {
            var stopped = await w.Workspaces.StopAsync(w.Caller(), new() { StopWorkspaceRequests = Ids([.. ids]) });
            Assert.Empty(stopped.FailedRequests);
            await Races.SettleAsync(w, ids);
        }
        foreach (var id in ids)
            Assert.Equal(from, await w.StateAsync(id));
        return ids;
    }

    [SkippableTheory]
    [MemberData(nameof(TerminateAgainst))]
    public async Task An_acknowledged_terminate_is_never_undone_by_a_concurrent_change(
        string engine,
        string change,
        bool batched
    )
    {
        using var w = new TestWorld(engine: engine);
        var rule = Rules[change];
        var ids = await InStateAsync(w, rule.From);
        var b = w.OtherNode("b").Workspaces;
        string?[] terminated;
        string?[] changed;
        if (batched)
        {
            // One batch of all 25 each way (Reboot, Start and Stop take batches of 25).
            var both = await Races.HeldTogether(
                w,
                (
                    1,
                    1,
                    _ =>
                        Races.Batch(
                            ids,
                            r => w.Workspaces.TerminateAsync(w.Caller(), new() { TerminateWorkspaceRequests = r })
                        )
                ),
                (1, 1, _ => Races.Batch(ids, r => BatchOf(change, b, w.Caller(), r))),
                HoldRows
            );
            terminated = [.. ids.Select(id => both[0][id])];
            changed = [.. ids.Select(id => both[1][id])];
        }
        else
        {
            var all = await Races.HeldTogether(
                w,
                (Count, Count, i => Terminate(w.Workspaces, w.Caller(), ids[i])),
                (Count, Count, i => rule.Call(b, w.Caller(), ids[i])),
                HoldRows
            );
            terminated = all[..Count];
            changed = all[Count..];
        }
        Assert.All(terminated, Assert.Null); // a terminate is refused only for SUSPENDED workspaces
        Assert.All(changed, code => Assert.True(code is null || rule.Refusals.Contains(code), code));
        foreach (var id in ids)
            Assert.Equal(WorkspaceState.Terminating, await w.StateAsync(id));
        await Races.SettleAsync(w, ids);
        foreach (var id in ids)
            Assert.Equal(WorkspaceState.Terminated, await w.StateAsync(id));
        await AssertCountedAsync(w);
    }

    private static Task<string?> Terminate(WorkspaceActions s, CallContext c, string id) =>
        Item(s.TerminateAsync(c, new() { TerminateWorkspaceRequests = Ids(id) }));

    private static Task<WorkspaceChangeResult> BatchOf(
        string change,
        WorkspaceActions s,
        CallContext c,
        List<WorkspaceChangeRequest> r
    ) =>
        change switch
        {
            "Reboot" => s.RebootAsync(c, new() { RebootWorkspaceRequests = r }),
            "Start" => s.StartAsync(c, new() { StartWorkspaceRequests = r }),
            _ => s.StopAsync(c, new() { StopWorkspaceRequests = r }),
        };

    /// <summary>The account's count of workspaces (the quota's base) matches the rows.</summary>
    private static async Task AssertCountedAsync(TestWorld w)
    {
        var (counted, rows) = await w.Db.WriteAsync(
            Journal.Service,
            async u =>
            {
                var all = await u.Workspaces.ListAsync(
                    new(CubicleOptions.DefaultAccountId, "us-east-1", null, null, null, null, null, 0, 1000)
                );
                return (await u.Workspaces.LockAccountAsync(CubicleOptions.DefaultAccountId), all);
            }
        );
        Assert.Equal(rows.Count(r => r.State != WorkspaceState.Terminated), counted);
    }

    public static TheoryData<string, string, string> Pairs()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var engine in TestWorld.Engines())
        {
            data.Add(engine, "Reboot", "Stop");
            data.Add(engine, "Rebuild", "Reboot");
            data.Add(engine, "Stop", "Modify");
            data.Add(engine, "Restore", "ModifyState");
        }
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Pairs))]
    public async Task Of_two_changes_from_one_state_at_most_one_is_acknowledged(
        string engine,
        string first,
        string second
    )
    {
        using var w = new TestWorld(engine: engine);
        var ids = await InStateAsync(w, Rules[first].From);
        var b = w.OtherNode("b").Workspaces;
        var all = await Races.HeldTogether(
            w,
            (Count, Count, i => Rules[first].Call(w.Workspaces, w.Caller(), ids[i])),
            (Count, Count, i => Rules[second].Call(b, w.Caller(), ids[i])),
            "LOCK TABLE jobs IN SHARE MODE"
        );
        for (var k = 0; k < Count; k++)
        {
            var (a, z) = (all[k], all[Count + k]);
            Assert.True(
                a is null ^ z is null,
                $"{ids[k]}: {first} {a ?? "acknowledged"}, {second} {z ?? "acknowledged"}"
            );
            var (winner, loser, code) = a is null ? (first, second, z) : (second, first, a);
            Assert.Contains(code, Rules[loser].Refusals);
            Assert.Equal(Rules[winner].To, await w.StateAsync(ids[k]));
        }
        await Races.SettleAsync(w, ids);
        await AssertCountedAsync(w);
    }

    public static TheoryData<string, bool> EnginesAndBatches()
    {
        var data = new TheoryData<string, bool>();
        foreach (var engine in TestWorld.Engines())
        {
            data.Add(engine, false);
            data.Add(engine, true);
        }
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(EnginesAndBatches))]
    public async Task A_terminate_acknowledged_while_a_transition_completes_is_never_undone(string engine, bool batched)
    {
        using var w = new TestWorld(engine: engine);
        var ids = await InStateAsync(w, WorkspaceState.Available);
        var rebooted = await w.Workspaces.RebootAsync(w.Caller(), new() { RebootWorkspaceRequests = Ids([.. ids]) });
        Assert.Empty(rebooted.FailedRequests);
        // This node claims the reboots and has them done; their outcomes commit while the other node terminates.
        w.Clock.Advance(TimeSpan.FromSeconds(5));
        var now = w.Lifecycle.Now;
        var jobs = await w.Db.WriteAsync(
            Journal.Service,
            u => u.Jobs.ClaimAsync(now, w.Node.LeaseOwner, now + 600_000, w.Node.Name, 100)
        );
        Assert.Equal(Count, jobs.Count);
        foreach (var job in jobs)
            await w.Lifecycle.RunAsync(job, default);
        var b = w.OtherNode("b").Workspaces;
        // The terminates first (one batch, or one call each), then the outcomes of the jobs they supersede.
        async Task<T?> Complete<T>(int i)
            where T : class
        {
            await w.Jobs.CompleteAsync(jobs[i], w.Node.LeaseOwner, null);
            return null;
        }
        var outcomes = batched
            ? await Races.HeldTogether(
                w,
                (
                    1,
                    1,
                    _ => Races.Batch(ids, r => b.TerminateAsync(w.Caller(), new() { TerminateWorkspaceRequests = r }))
                ),
                (Count, Count, Complete<Dictionary<string, string?>>),
                HoldRows
            )
            : null;
        string?[] terminated = batched
            ? [.. ids.Select(id => outcomes![0]![id])]
            : (
                await Races.HeldTogether(
                    w,
                    (Count, Count, i => Terminate(b, w.Caller(), ids[i])),
                    (Count, Count, Complete<string>),
                    HoldRows
                )
            )[..Count];
        Assert.All(terminated, Assert.Null);
        foreach (var id in ids)
            Assert.Equal(WorkspaceState.Terminating, await w.StateAsync(id));
        await Races.SettleAsync(w, ids);
        foreach (var id in ids)
            Assert.Equal(WorkspaceState.Terminated, await w.StateAsync(id));
        await AssertCountedAsync(w);
    }
}
