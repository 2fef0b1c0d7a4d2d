using System.Net;
using Cubicle.Accounts;
using Cubicle.Storage;

namespace Cubicle.Tests;

/// <summary>
/// The sign-in guard's budgets over a real database, on a fake clock: how long a guesser waits past each budget (a
/// network's, a pair's, a user's), to the millisecond and up to the longest wait; what an attempt gives back when its
/// rows were, or were not, counted again meanwhile; the hour after which a network's failures no longer hold it to the
/// user's lock; the pruning of rows that count nothing; and the password check that costs the same for anyone.
/// </summary>
public sealed class SignInBudgetTests
{
    private static readonly Func<Task<SignInGuard.Result>> Wrong = () => Task.FromResult(SignInGuard.Answer(false));
    private static readonly Func<Task<SignInGuard.Result>> Right = () => Task.FromResult(SignInGuard.Answer(true));
    private static readonly Func<Task<SignInGuard.Result>> Busy = () =>
        Task.FromResult(new SignInGuard.Result(SignInGuard.Verdict.Busy, TimeSpan.FromSeconds(5)));

    private static SignInKeys Keys(string address, string user = "user") =>
        SignInKeys.For("scope", user, IPAddress.Parse(address));

    private static long Ms(TestWorld world) => world.Clock.GetUtcNow().ToUnixTimeMilliseconds();

    private static Task<SignInFailures?> RowAsync(TestWorld world, string key) =>
        world.Db.ReadAsync(u => u.Sessions.GetFailuresAsync(key));

    private static async Task<(int Failures, long LockedUntil, long UpdatedAt)?> StateAsync(
        TestWorld world,
        string key
    ) => await RowAsync(world, key) is { } row ? (row.Failures, row.LockedUntil, row.UpdatedAt) : null;

    private static Task PutAsync(TestWorld world, string key, int failures, long lockedUntil, long updatedAt) =>
        world.Db.WriteAsync(
            Journal.Service,
            async u =>
            {
                await u.Sessions.PutFailuresAsync(
                    key,
                    new SignInFailures
                    {
                        Failures = failures,
                        LockedUntil = lockedUntil,
                        UpdatedAt = updatedAt,
                    }
                );
                return 0;
            }
        );

    /// <summary>An attempt whose check has started and waits for <c>Release</c> before it answers.</summary>
    private sealed class HeldAttempt
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<SignInGuard.Result> _answer = new(
            TaskCreationOptions.RunContinuationsAsynchronously
        );
        public Task<SignInGuard.Result> Outcome { get; }

        private HeldAttempt(SignInGuard guard, SignInKeys keys) =>
            Outcome = guard.CheckAsync(
                keys,
                () =>
                {
                    _started.SetResult();
                    return _answer.Task;
                }
            );

        public static async Task<HeldAttempt> StartAsync(SignInGuard guard, SignInKeys keys)
        {
            var attempt = new HeldAttempt(guard, keys);
            await attempt._started.Task.WaitAsync(TimeSpan.FromMinutes(1));
            return attempt;
        }

        public Task<SignInGuard.Result> ReleaseAsync(SignInGuard.Result answer)
        {
            _answer.SetResult(answer);
            return Outcome;
        }
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Past_the_budget_each_failure_doubles_the_wait_up_to_fifteen_minutes(string engine)
    {
        using var world = new TestWorld(engine: engine);
        var guard = new SignInGuard(world.Db, world.Clock);
        var keys = Keys("192.0.2.1");
        for (var i = 1; i <= SignInGuard.FreeUserFailures; i++)
            Assert.Equal(SignInGuard.Verdict.Invalid, (await guard.CheckAsync(keys, Wrong)).Verdict);
        for (var failures = SignInGuard.FreeUserFailures + 1; failures <= 16; failures++)
        {
            // Checked (a wait that ends now is over), and counted: the next attempt waits 2^(past the budget) s.
            Assert.Equal(SignInGuard.Verdict.Invalid, (await guard.CheckAsync(keys, Wrong)).Verdict);
            var wait = await guard.CheckAsync(keys, Right);
            var expected = TimeSpan.FromSeconds(
                Math.Min(Math.Pow(2, failures - SignInGuard.FreeUserFailures), SignInGuard.LongestWait.TotalSeconds)
            );
            Assert.Equal((SignInGuard.Verdict.Wait, expected), (wait.Verdict, wait.RetryAfter));
            Assert.Equal(Ms(world) + (long)expected.TotalMilliseconds, (await RowAsync(world, keys.Pair))!.LockedUntil);
            if (failures == SignInGuard.FreeUserFailures + 1)
            {
                world.Clock.Advance(expected - TimeSpan.FromMilliseconds(1));
                var almost = await guard.CheckAsync(keys, Right);
                Assert.Equal(
                    (SignInGuard.Verdict.Wait, TimeSpan.FromMilliseconds(1)),
                    (almost.Verdict, almost.RetryAfter)
                );
                world.Clock.Advance(TimeSpan.FromMilliseconds(1));
            }
            else
                world.Clock.Advance(expected);
        }
        Assert.Equal(SignInGuard.Verdict.Valid, (await guard.CheckAsync(keys, Right)).Verdict);
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_network_past_its_budget_waits_whichever_user_it_tries(string engine)
    {
        using var world = new TestWorld(engine: engine);
        var guard = new SignInGuard(world.Db, world.Clock);
        // One failure for each of many users: no pair and no user is past its budget, the network is at its own.
        for (var i = 1; i <= SignInGuard.FreeAddressFailures; i++)
            Assert.Equal(
                SignInGuard.Verdict.Invalid,
                (await guard.CheckAsync(Keys("192.0.2.1", $"user{i}"), Wrong)).Verdict
            );
        Assert.Equal(SignInGuard.Verdict.Valid, (await guard.CheckAsync(Keys("192.0.2.1", "owner"), Right)).Verdict);
        Assert.Equal(SignInGuard.Verdict.Invalid, (await guard.CheckAsync(Keys("192.0.2.1", "next"), Wrong)).Verdict);
        var wait = await guard.CheckAsync(Keys("192.0.2.1", "owner"), Right);
        Assert.Equal((SignInGuard.Verdict.Wait, TimeSpan.FromSeconds(2)), (wait.Verdict, wait.RetryAfter));
        // Another network signs the same user in.
        Assert.Equal(SignInGuard.Verdict.Valid, (await guard.CheckAsync(Keys("192.0.2.2", "owner"), Right)).Verdict);
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_pair_past_its_budget_waits_though_the_user_is_not_locked(string engine)
    {
        using var world = new TestWorld(engine: engine);
        var guard = new SignInGuard(world.Db, world.Clock);
        var keys = Keys("192.0.2.1");
        await PutAsync(world, keys.Pair, SignInGuard.FreeUserFailures + 1, Ms(world) + 2000, Ms(world));
        var wait = await guard.CheckAsync(keys, Right);
        Assert.Equal((SignInGuard.Verdict.Wait, TimeSpan.FromSeconds(2)), (wait.Verdict, wait.RetryAfter));
        Assert.Null(await RowAsync(world, keys.User));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_user_s_lock_holds_a_network_for_an_hour_after_it_last_failed(string engine)
    {
        using var world = new TestWorld(engine: engine);
        var guard = new SignInGuard(world.Db, world.Clock);
        var now = Ms(world);
        await PutAsync(world, Keys("192.0.2.1").User, 10, now + 60_000, now);
        await PutAsync(world, Keys("192.0.2.1").Pair, 1, 0, now - 3_600_000);
        await PutAsync(world, Keys("192.0.2.2").Pair, 1, 0, now - 3_600_001);
        await PutAsync(world, Keys("192.0.2.3").Pair, 0, 0, now);
        var held = await guard.CheckAsync(Keys("192.0.2.1"), Right);
        Assert.Equal((SignInGuard.Verdict.Wait, TimeSpan.FromMinutes(1)), (held.Verdict, held.RetryAfter));
        // Failed over an hour ago, or failures all given back: not held.
        Assert.Equal(SignInGuard.Verdict.Valid, (await guard.CheckAsync(Keys("192.0.2.2"), Right)).Verdict);
        Assert.Equal(SignInGuard.Verdict.Valid, (await guard.CheckAsync(Keys("192.0.2.3"), Right)).Verdict);
        Assert.Equal((10, now + 60_000, now), await StateAsync(world, Keys("192.0.2.1").User));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task An_attempt_not_checked_leaves_its_rows_as_they_were(string engine)
    {
        using var world = new TestWorld(engine: engine);
        var guard = new SignInGuard(world.Db, world.Clock);
        var keys = Keys("192.0.2.1");
        Assert.Equal(SignInGuard.Verdict.Busy, (await guard.CheckAsync(keys, Busy)).Verdict);
        foreach (var key in new[] { keys.Address, keys.Pair, keys.User })
            Assert.Null(await RowAsync(world, key));

        for (var i = 0; i < 3; i++)
            await guard.CheckAsync(keys, Wrong);
        var then = Ms(world);
        world.Clock.Advance(TimeSpan.FromMinutes(10));
        await guard.CheckAsync(keys, Busy);
        foreach (var key in new[] { keys.Address, keys.Pair, keys.User })
            Assert.Equal((3, 0L, then), await StateAsync(world, key));

        // A locked row goes back to its lock.
        for (var i = 3; i < SignInGuard.FreeUserFailures + 1; i++)
            await guard.CheckAsync(keys, Wrong);
        then = Ms(world);
        world.Clock.Advance(TimeSpan.FromSeconds(2));
        await guard.CheckAsync(keys, Busy);
        Assert.Equal((6, then + 2000, then), await StateAsync(world, keys.Pair));
        Assert.Equal((6, 0L, then), await StateAsync(world, keys.Address));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_row_counted_again_meanwhile_loses_only_the_attempt_s_failure(string engine)
    {
        using var world = new TestWorld(engine: engine);
        var guard = new SignInGuard(world.Db, world.Clock);
        var now = Ms(world);
        var mine = Keys("10.0.0.1");
        for (var i = 1; i <= 2; i++)
            await guard.CheckAsync(Keys($"10.0.1.{i}"), Wrong);

        // Within the budget: the user's row, counted by another network meanwhile, keeps that network's failure.
        var held = await HeldAttempt.StartAsync(guard, mine);
        await guard.CheckAsync(Keys("10.0.2.1"), Wrong);
        Assert.Equal(SignInGuard.Verdict.Busy, (await held.ReleaseAsync(new(SignInGuard.Verdict.Busy))).Verdict);
        Assert.Equal((3, 0L, now), await StateAsync(world, mine.User));
        Assert.Null(await RowAsync(world, mine.Pair));
        Assert.Null(await RowAsync(world, mine.Address));

        // Back within the budget once the attempt's failure is given back: no lock.
        await guard.CheckAsync(Keys("10.0.1.3"), Wrong);
        held = await HeldAttempt.StartAsync(guard, mine);
        await guard.CheckAsync(Keys("10.0.2.2"), Wrong);
        Assert.Equal((6, now + 2000, now), await StateAsync(world, mine.User));
        await held.ReleaseAsync(new(SignInGuard.Verdict.Busy));
        Assert.Equal((5, 0L, now), await StateAsync(world, mine.User));

        // Still past it: the lock of the other network's failure stays.
        held = await HeldAttempt.StartAsync(guard, mine);
        await guard.CheckAsync(Keys("10.0.2.3"), Wrong);
        await held.ReleaseAsync(new(SignInGuard.Verdict.Busy));
        Assert.Equal((6, now + 4000, now), await StateAsync(world, mine.User));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_row_cleared_meanwhile_is_not_given_back(string engine)
    {
        using var world = new TestWorld(engine: engine);
        var guard = new SignInGuard(world.Db, world.Clock);
        var keys = Keys("192.0.2.1");
        var held = await HeldAttempt.StartAsync(guard, keys);
        // The owner signs in from the same network meanwhile: the pair's row goes.
        Assert.Equal(SignInGuard.Verdict.Valid, (await guard.CheckAsync(keys, Right)).Verdict);
        Assert.Null(await RowAsync(world, keys.Pair));
        Assert.Equal(SignInGuard.Verdict.Busy, (await held.ReleaseAsync(new(SignInGuard.Verdict.Busy))).Verdict);
        foreach (var key in new[] { keys.Address, keys.Pair, keys.User })
            Assert.Null(await RowAsync(world, key));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Every_hundredth_attempt_prunes_the_rows_that_count_nothing(string engine)
    {
        using var world = new TestWorld(engine: engine);
        var guard = new SignInGuard(world.Db, world.Clock);
        var now = Ms(world);
        await PutAsync(world, "addr:198.51.100.1", 3, 0, now - 3_600_001);
        await PutAsync(world, "addr:198.51.100.2", 3, 0, now - 60_000);
        for (var i = 1; i < 100; i++)
            await guard.CheckAsync(Keys("192.0.2.1"), Busy);
        Assert.NotNull(await RowAsync(world, "addr:198.51.100.1"));
        await guard.CheckAsync(Keys("192.0.2.1"), Busy);
        Assert.Null(await RowAsync(world, "addr:198.51.100.1"));
        Assert.NotNull(await RowAsync(world, "addr:198.51.100.2"));
    }

    [SkippableFact]
    public async Task A_password_is_right_only_against_a_stored_hash()
    {
        var account = $"hash-{Guid.NewGuid():N}";
        var stored = Passwords.Hash("correct horse");
        Assert.Equal(
            SignInGuard.Verdict.Valid,
            (await SignInGuard.AgainstHash(account, "correct horse", stored)()).Verdict
        );
        Assert.Equal(SignInGuard.Verdict.Invalid, (await SignInGuard.AgainstHash(account, "wrong", stored)()).Verdict);
        Assert.Equal(SignInGuard.Verdict.Invalid, (await SignInGuard.AgainstHash(account, "", null)()).Verdict);
        Assert.Equal(
            SignInGuard.Verdict.Invalid,
            (await SignInGuard.AgainstHash(account, "correct horse", null)()).Verdict
        );
    }

    [SkippableFact]
    public async Task A_password_check_is_busy_when_the_account_s_hashing_slots_stay_taken()
    {
        var account = $"busy-{Guid.NewGuid():N}";
        var held = new List<IDisposable>();
        for (var i = 0; i < HashSlots.PerAccount; i++)
            held.Add((await HashSlots.EnterAsync(account, TimeSpan.FromSeconds(30)))!);
        try
        {
            var result = await SignInGuard.AgainstHash(account, "pw", Passwords.Hash("pw"))();
            Assert.Equal((SignInGuard.Verdict.Busy, TimeSpan.FromSeconds(5)), (result.Verdict, result.RetryAfter));
        }
        finally
        {
            held.ForEach(h => h.Dispose());
        }
    }
}
