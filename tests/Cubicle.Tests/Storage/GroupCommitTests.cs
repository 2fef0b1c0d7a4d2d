using Cubicle.Storage;

namespace Cubicle.Tests;

/// <summary>
/// SQLite's group commit: writes queued while another holds the writer run together in one transaction, each in a
/// savepoint; one that fails leaves no trace and fails alone, and the others commit.
/// </summary>
public sealed class GroupCommitTests
{
    private static AuditEventRecord Event(string name) =>
        new()
        {
            EventId = Guid.NewGuid().ToString(),
            AccountId = "000000000000",
            Region = "us-east-1",
            EventTime = 1_790_000_000_000,
            EventName = name,
            EventSource = "workspaces.amazonaws.com",
            Body = $"{{\"eventName\":\"{name}\"}}",
        };

    /// <summary>A write that holds the writer until released (after inserting <paramref name="insert"/>): writes
    /// made meanwhile queue behind it.</summary>
    private static (Task Holding, TaskCompletionSource Release) HoldWriter(TestWorld w, AuditEventRecord? insert = null)
    {
        var release = new TaskCompletionSource();
        var holding = w.Db.WriteAsync(
            Journal.Service,
            async u =>
            {
                if (insert is not null)
                    await u.Audit.InsertAsync(insert);
                await release.Task;
                return 0;
            }
        );
        return (holding, release);
    }

    [SkippableFact]
    public async Task Writes_queued_together_commit_together_and_a_failing_one_fails_alone()
    {
        using var w = new TestWorld();
        // A write that holds the writer until released: everything below queues behind it, then runs as a group.
        var (holding, release) = HoldWriter(w, Event("first"));
        var writes = Enumerable
            .Range(0, 40)
            .Select(i =>
                w.Db.WriteAsync(
                    Journal.Service,
                    async u =>
                    {
                        await u.Audit.InsertAsync(Event($"e{i}"));
                        if (i % 7 == 3)
                            throw new InvalidOperationException($"unit {i} fails after its insert");
                        return i;
                    }
                )
            )
            .ToList();
        release.SetResult();
        await holding;

        for (var i = 0; i < writes.Count; i++)
            if (i % 7 == 3)
                Assert.Equal(
                    $"unit {i} fails after its insert",
                    (await Assert.ThrowsAsync<InvalidOperationException>(() => writes[i])).Message
                );
            else
                Assert.Equal(i, await writes[i]);
        var stored = await w.Db.ReadAsync(u =>
            u.Audit.LookupAsync(
                new AuditQuery("000000000000", "us-east-1", null, null, null, null, long.MaxValue, 1000)
            )
        );
        var expected = Enumerable.Range(0, 40).Where(i => i % 7 != 3).Select(i => $"e{i}").Prepend("first");
        Assert.Equal(expected.Order(), stored.Select(e => e.EventName).Order());
    }

    private static readonly AsyncLocal<int> Caller = new();

    [SkippableFact]
    public async Task Each_unit_runs_in_its_callers_context_whoever_runs_the_group()
    {
        using var w = new TestWorld();
        var (holding, release) = HoldWriter(w);
        // Each caller's context (a request's log scope, its trace) is the one its work sees: the writes queue now,
        // behind the one holding the writer, and run as one group.
        var writes = new List<Task<int>>();
        for (var i = 1; i <= 20; i++)
        {
            Caller.Value = i;
            writes.Add(w.Db.WriteAsync(Journal.Service, u => Task.FromResult(Caller.Value)));
        }
        release.SetResult();
        await holding;
        Assert.Equal(Enumerable.Range(1, 20), await Task.WhenAll(writes));
    }

    [SkippableFact]
    public async Task A_write_cancelled_while_it_waits_never_runs()
    {
        using var w = new TestWorld();
        var (holding, release) = HoldWriter(w);
        using var cancel = new CancellationTokenSource();
        var ran = false;
        var waiting = w.Db.WriteAsync(
            Journal.Service,
            u =>
            {
                ran = true;
                return Task.FromResult(1);
            },
            cancel.Token
        );
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        release.SetResult();
        await holding;
        Assert.Equal(2, await w.Db.WriteAsync(Journal.Service, u => Task.FromResult(2)));
        Assert.False(ran);
    }
}
