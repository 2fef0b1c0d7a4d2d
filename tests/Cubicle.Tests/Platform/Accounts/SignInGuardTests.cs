using System.Net;
using Cubicle.Accounts;
using Cubicle.Storage;

namespace Cubicle.Tests;

/// <summary>
/// The sign-in guard over a real database, on a fake clock (locks hold until the test moves it): what an attempt
/// counts, what it gives back, and that parallel attempts are counted before any of them is checked. The attacks
/// through a real server are tests/clients/python/test_signin.py.
/// </summary>
public sealed class SignInGuardTests
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.1");

    [SkippableTheory]
    [InlineData("192.0.2.7", "192.0.2.7")]
    [InlineData("::ffff:192.0.2.7", "192.0.2.7")]
    [InlineData("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64")]
    [InlineData("fe80::1%2", "fe80::/64")]
    public void Networks_are_ipv4_addresses_and_ipv6_64s(string address, string network) =>
        Assert.Equal(network, SignInKeys.Network(IPAddress.Parse(address)));

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Parallel_attempts_are_counted_before_any_is_checked(string engine)
    {
        using var world = new TestWorld(engine: engine);
        var guard = new SignInGuard(world.Db, world.Clock);
        var keys = SignInKeys.For("scope", "user", Client);
        var checks = 0;
        var release = new TaskCompletionSource();
        // Every check waits until all attempts have been made: none of them has failed yet when the others start.
        var attempts = Enumerable
            .Range(0, 20)
            .Select(_ =>
                guard.CheckAsync(
                    keys,
                    async () =>
                    {
                        Interlocked.Increment(ref checks);
                        await release.Task;
                        return SignInGuard.Answer(false);
                    }
                )
            )
            .ToList();
        var waits = 0;
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (waits < 20 - (SignInGuard.FreeUserFailures + 1) && DateTime.UtcNow < deadline)
        {
            await Task.WhenAny(attempts.Where(a => !a.IsCompleted).Append(Task.Delay(50)));
            waits = attempts.Count(a => a.IsCompletedSuccessfully && a.Result.Verdict == SignInGuard.Verdict.Wait);
        }
        release.SetResult();
        var results = await Task.WhenAll(attempts);
        Assert.Equal(SignInGuard.FreeUserFailures + 1, checks);
        Assert.Equal(checks, results.Count(r => r.Verdict == SignInGuard.Verdict.Invalid));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task What_was_no_failure_is_given_back(string engine)
    {
        using var world = new TestWorld(engine: engine);
        var guard = new SignInGuard(world.Db, world.Clock);
        var keys = SignInKeys.For("scope", "user", Client);
        for (var i = 0; i < 3; i++)
            await guard.CheckAsync(keys, () => Task.FromResult(SignInGuard.Answer(false)));
        Assert.Equal((3, 3, 3), await CountsAsync(world.Db, keys));

        // Busy: not checked, nothing counted.
        await guard.CheckAsync(keys, () => Task.FromResult(new SignInGuard.Result(SignInGuard.Verdict.Busy)));
        Assert.Equal((3, 3, 3), await CountsAsync(world.Db, keys));

        // No answer (the directory timed out): counted against the network only, the guesser's budget.
        await Assert.ThrowsAsync<TimeoutException>(() => guard.CheckAsync(keys, () => throw new TimeoutException()));
        Assert.Equal((4, 3, 3), await CountsAsync(world.Db, keys));

        // The right password: the pair starts again; the user's and the network's failures stay.
        await guard.CheckAsync(keys, () => Task.FromResult(SignInGuard.Answer(true)));
        Assert.Equal((4, 0, 3), await CountsAsync(world.Db, keys));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_user_past_its_budget_waits_only_where_it_failed(string engine)
    {
        using var world = new TestWorld(engine: engine);
        var guard = new SignInGuard(world.Db, world.Clock);
        var wrong = () => Task.FromResult(SignInGuard.Answer(false));
        for (var i = 1; i <= 8; i++)
            await guard.CheckAsync(SignInKeys.For("scope", "user", IPAddress.Parse($"10.0.0.{i}")), wrong);
        var again = await guard.CheckAsync(SignInKeys.For("scope", "user", IPAddress.Parse("10.0.0.1")), wrong);
        Assert.Equal(SignInGuard.Verdict.Wait, again.Verdict);
        var owner = await guard.CheckAsync(
            SignInKeys.For("scope", "user", IPAddress.Parse("10.0.1.1")),
            () => Task.FromResult(SignInGuard.Answer(true))
        );
        Assert.Equal(SignInGuard.Verdict.Valid, owner.Verdict);
    }

    [SkippableFact]
    public async Task One_account_cannot_take_every_hashing_slot()
    {
        var flood = $"flood-{Guid.NewGuid():N}";
        var held = new List<IDisposable>();
        for (var i = 0; i < HashSlots.PerAccount; i++)
            held.Add((await HashSlots.EnterAsync(flood, TimeSpan.FromSeconds(30)))!);
        try
        {
            Assert.Null(await HashSlots.EnterAsync(flood, TimeSpan.FromMilliseconds(100)));
            using var other = await HashSlots.EnterAsync($"other-{Guid.NewGuid():N}", TimeSpan.FromSeconds(30));
            Assert.NotNull(other);
        }
        finally
        {
            held.ForEach(h => h.Dispose());
        }
    }

    private static Task<(int Address, int Pair, int User)> CountsAsync(IDatabase db, SignInKeys keys) =>
        db.ReadAsync(async u =>
            (
                (await u.Sessions.GetFailuresAsync(keys.Address))?.Failures ?? 0,
                (await u.Sessions.GetFailuresAsync(keys.Pair))?.Failures ?? 0,
                (await u.Sessions.GetFailuresAsync(keys.User))?.Failures ?? 0
            )
        );
}
