using Cubicle.Domain;
using Cubicle.Identity;
using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;

namespace Cubicle.Tests;

/// <summary>Calls started at the same instant on two "nodes" of one database, and what each answered.</summary>
public static class Races
{
    /// <summary>Runs <paramref name="count"/> calls, each on a thread-pool thread, released together.</summary>
    public static async Task<T[]> Together<T>(int count, Func<int, Task<T>> call)
    {
        using var start = new ManualResetEventSlim();
        var tasks = Enumerable
            .Range(0, count)
            .Select(i =>
                Task.Run(async () =>
                {
                    start.Wait();
                    return await call(i);
                })
            )
            .ToArray();
        start.Set();
        return await Task.WhenAll(tasks);
    }

    /// <summary>
    /// The calls of <paramref name="first"/>, then those of <paramref name="second"/>, each held inside its
    /// transaction (on PostgreSQL) until all of them are there: another session holds <paramref name="hold"/> (a lock
    /// every call needs after its checks) until the first calls wait for a lock, starts the second ones, and lets go
    /// once they wait too. The transactions overlap for certain, and the first calls are ahead in every queue: a
    /// change that does not lock what it checks lets the second overwrite the first. Where the calls do not all wait,
    /// the hold goes after 20 s. On SQLite (one writer) the calls of both simply start together.
    /// </summary>
    public static async Task<T[]> HeldTogether<T>(
        TestWorld w,
        (int Count, int Waiting, Func<int, Task<T>> Call) first,
        (int Count, int Waiting, Func<int, Task<T>> Call) second,
        string hold
    )
    {
        if (w.ConnectionString is null)
            return await Together(
                first.Count + second.Count,
                i => i < first.Count ? first.Call(i) : second.Call(i - first.Count)
            );
        await using var holder = new Npgsql.NpgsqlConnection(w.ConnectionString);
        await holder.OpenAsync();
        await using var tx = await holder.BeginTransactionAsync();
        await using (var lockCmd = new Npgsql.NpgsqlCommand(hold, holder, tx))
            await lockCmd.ExecuteNonQueryAsync();
        await using var probe = new Npgsql.NpgsqlConnection(w.ConnectionString);
        await probe.OpenAsync();
        await using var waiters = new Npgsql.NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type='Lock' AND datname=current_database()",
            probe
        );
        var deadline = DateTime.UtcNow.AddSeconds(20);
        async Task WaitForAsync(int count, Task calls)
        {
            while (
                DateTime.UtcNow < deadline && !calls.IsCompleted && (long)(await waiters.ExecuteScalarAsync())! < count
            )
                await Task.Delay(20);
        }
        var firstCalls = Together(first.Count, first.Call);
        await WaitForAsync(first.Waiting, firstCalls);
        var secondCalls = Together(second.Count, second.Call);
        await WaitForAsync(first.Waiting + second.Waiting, secondCalls);
        await tx.RollbackAsync();
        return [.. await firstCalls, .. await secondCalls];
    }

    /// <summary>Null when the call was acknowledged, else the code it was refused with. Anything but an API
    /// error (a database that gave up, an unexpected fault) fails the test.</summary>
    public static async Task<string?> Outcome(Func<Task> call)
    {
        try
        {
            await call();
            return null;
        }
        catch (ApiException ex)
        {
            Assert.True(ex.Status < 500, $"{ex.Code} ({ex.Status}): {ex.Message}");
            return ex.Code;
        }
    }

    /// <summary>Per workspace of a batch: null when acknowledged, else its FailedRequests code.</summary>
    public static async Task<Dictionary<string, string?>> Batch(
        IReadOnlyList<string> ids,
        Func<List<WorkspaceChangeRequest>, Task<WorkspaceChangeResult>> call
    )
    {
        var outcome = ids.ToDictionary(id => id, _ => (string?)null);
        var result = await call(ids.Select(id => new WorkspaceChangeRequest { WorkspaceId = id }).ToList());
        foreach (var f in result.FailedRequests)
            outcome[f.WorkspaceId!] = f.ErrorCode;
        return outcome;
    }

    /// <summary>Adds the users to the demo directory (each may then hold one workspace).</summary>
    public static Task AddUsersAsync(TestWorld w, IEnumerable<string> users) =>
        w.Db.WriteAsync(
            Journal.Service,
            async u =>
            {
                var ds = await u.DsDirectories.GetAsync(
                    CubicleOptions.DefaultAccountId,
                    "us-east-1",
                    DirectoryLoader.DemoDirectoryId
                );
                foreach (var user in users)
                    await DirectoryUsers.AddAsync(u, ds!, user, 0);
                return 0;
            }
        );

    /// <summary>Workspaces for fresh users, run until AVAILABLE and past their first snapshot.</summary>
    public static async Task<List<string>> AvailableAsync(TestWorld w, int count, string mode = RunningMode.AutoStop)
    {
        var users = Enumerable.Range(0, count).Select(_ => "u" + Guid.NewGuid().ToString("N")[..10]).ToList();
        await AddUsersAsync(w, users);
        var ids = new List<string>();
        foreach (var user in users)
            ids.Add(await w.CreateAsync(user, mode));
        await w.AdvanceAsync(TimeSpan.FromSeconds(5));
        await w.AdvanceAsync(TimeSpan.FromSeconds(5));
        foreach (var id in ids)
            Assert.Equal(WorkspaceState.Available, await w.StateAsync(id));
        return ids;
    }

    /// <summary>Runs every job until no workspace is in a transitional state (a minute of transitions at
    /// most).</summary>
    public static async Task SettleAsync(TestWorld w, IEnumerable<string> ids)
    {
        string[] steady =
        [
            WorkspaceState.Available,
            WorkspaceState.Stopped,
            WorkspaceState.Terminated,
            WorkspaceState.Error,
            WorkspaceState.AdminMaintenance,
        ];
        for (var i = 0; i < 12; i++)
        {
            var states = await Task.WhenAll(ids.Select(w.StateAsync));
            if (states.All(s => steady.Contains(s)))
                return;
            await w.AdvanceAsync(TimeSpan.FromSeconds(5));
        }
        var left = new List<string>();
        foreach (var id in ids)
            left.Add(id + " " + await w.StateAsync(id));
        Assert.Fail("still transitional: " + string.Join(", ", left));
    }
}
