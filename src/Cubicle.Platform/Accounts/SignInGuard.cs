using System.Security.Cryptography;
using Cubicle.Storage;

namespace Cubicle.Accounts;

/// <summary>
/// Slows password guessing down and locks out the guesser, not the owner. Failures are counted in the database (so
/// every node sees them) against the client's network, the pair of that network and the user, and the user across
/// networks (<see cref="SignInKeys"/>). Past its budget a network, or a pair, must wait longer after each failure (429
/// with Retry-After); past the user's budget, so must every network that has failed for that user, while a network
/// that has not is still checked: one wrong password now and then cannot keep the owner out. An attempt is counted
/// before its password is checked, in the same write as the check of the locks, so that parallel guesses cannot all
/// pass a lock none of them has counted yet; what turns out not to be a failure is given back. An unknown user costs
/// the same hashing work as a known one.
/// </summary>
public sealed class SignInGuard(IDatabase db, TimeProvider time)
{
    /// <summary>Failures allowed for a user, and for one network guessing one user, before either has to wait.
    /// </summary>
    public const int FreeUserFailures = 5;

    /// <summary>Failures allowed for a client network (which may be shared) before it has to wait.</summary>
    public const int FreeAddressFailures = 20;
    public static readonly TimeSpan LongestWait = TimeSpan.FromMinutes(15);

    // How long a check waits for a hashing slot before the attempt is refused (503, Retry-After).
    private static readonly TimeSpan HashWait = TimeSpan.FromSeconds(5);

    // Counts start again after an hour without failure (as the statements count them).
    private const long CountingWindowMs = 3_600_000;
    private const int PruneEvery = 100;
    private long _takenSincePrune;

    // Verified against when there is no real hash, so a missing user or password takes as long as a wrong one.
    private static readonly string DummyHash = Passwords.Hash(RandomNumberGenerator.GetHexString(32));

    public enum Verdict
    {
        Valid,
        Invalid,
        Wait,
        Busy,
    }

    public sealed record Result(Verdict Verdict, TimeSpan RetryAfter = default);

    /// <summary>A check's answer: the password is right, or it is not.</summary>
    public static Result Answer(bool valid) => new(valid ? Verdict.Valid : Verdict.Invalid);

    /// <summary>A password check that costs the same whether or not there is a user to check it against: with no
    /// stored hash (no such user, no password, a disabled user), a dummy one is checked and the answer is no. It
    /// hashes in one of the account's <see cref="HashSlots"/>, and is Busy when none frees up in time.</summary>
    public static Func<Task<Result>> AgainstHash(string account, string password, string? storedHash) =>
        async () =>
        {
            using var slot = await HashSlots.EnterAsync(account, HashWait);
            if (slot is null)
                return new(Verdict.Busy, HashWait);
            return Answer(Passwords.Verify(password, storedHash ?? DummyHash) && storedHash is not null);
        };

    /// <summary>Runs the password check (<see cref="AgainstHash"/>, a bind to the customer's directory, a secret's
    /// comparison) unless the attempt must wait. A wrong password stays counted against the network, the pair and
    /// the user; a right one clears the pair; a check that does not answer (it throws: the directory timed out)
    /// stays counted against the network only, the guesser's budget; a Busy check is not counted.</summary>
    public async Task<Result> CheckAsync(SignInKeys keys, Func<Task<Result>> check)
    {
        var (wait, counted) = await TakeAsync(keys);
        if (wait is { } w)
            return new(Verdict.Wait, w);
        var outcome = Outcome.NoAnswer;
        try
        {
            var result = await check();
            outcome = result.Verdict switch
            {
                Verdict.Valid => Outcome.Valid,
                Verdict.Invalid => Outcome.Invalid,
                _ => Outcome.NotChecked,
            };
            return result;
        }
        finally
        {
            if (outcome != Outcome.Invalid)
                await GiveBackAsync(keys, counted, outcome);
        }
    }

    private enum Outcome
    {
        Valid,
        Invalid,
        NotChecked,
        NoAnswer,
    }

    /// <summary>A key's row before an attempt counted a failure against it, and the row the count left.</summary>
    private sealed record Counted(string Key, int Free, SignInFailures? Before, SignInFailures After);

    /// <summary>How long the attempt must wait; or, when it may go on, what it counted.</summary>
    private async Task<(TimeSpan? Wait, Counted[] Counted)> TakeAsync(SignInKeys keys)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        // Every name tried leaves rows: now and then the ones that no longer count go.
        var prune = Interlocked.Increment(ref _takenSincePrune) % PruneEvery == 0;
        (string Key, int Free)[] budgets =
        [
            (keys.Address, FreeAddressFailures),
            (keys.Pair, FreeUserFailures),
            (keys.User, FreeUserFailures),
        ];
        return await db.WriteAsync(
            Journal.Service,
            async u =>
            {
                // Always in this order (network, pair, user): two attempts lock the rows they share in one order.
                var before = new SignInFailures?[budgets.Length];
                for (var i = 0; i < budgets.Length; i++)
                    before[i] = await u.Sessions.GetFailuresAsync(budgets[i].Key);
                var until = Math.Max(before[0]?.LockedUntil ?? 0, before[1]?.LockedUntil ?? 0);
                // A user past its budget is locked for the networks that have failed for it, never for the others.
                if (before[1] is { Failures: > 0 } pair && pair.UpdatedAt >= now - CountingWindowMs)
                    until = Math.Max(until, before[2]?.LockedUntil ?? 0);
                if (until > now)
                    return (TimeSpan.FromMilliseconds(until - now), Array.Empty<Counted>());
                var counted = new Counted[budgets.Length];
                for (var i = 0; i < budgets.Length; i++)
                {
                    var (key, free) = budgets[i];
                    var n = await u.Sessions.AddFailureAsync(key, now, count => LockedUntil(now, count, free));
                    var after = new SignInFailures
                    {
                        Failures = n,
                        LockedUntil = LockedUntil(now, n, free),
                        UpdatedAt = now,
                    };
                    counted[i] = new(key, free, before[i], after);
                }
                if (prune)
                    await u.Sessions.PruneFailuresAsync(now);
                return ((TimeSpan?)null, counted);
            }
        );
    }

    /// <summary>Gives back what the attempt counted and was no failure: all of it when the password was not checked;
    /// the pair's count is cleared and the user's given back when it was right; only the network's stays when the
    /// check did not answer.</summary>
    private Task GiveBackAsync(SignInKeys keys, Counted[] counted, Outcome outcome) =>
        db.WriteAsync(
            Journal.Service,
            async u =>
            {
                foreach (var c in counted)
                    if (outcome == Outcome.Valid && c.Key == keys.Pair)
                        await u.Sessions.ClearFailuresAsync(c.Key);
                    else if (outcome != Outcome.NoAnswer || c.Key != keys.Address)
                        await GiveBackAsync(u, c);
                return 0;
            }
        );

    private static async Task GiveBackAsync(IUnitOfWork u, Counted c)
    {
        var row = await u.Sessions.GetFailuresAsync(c.Key);
        if (row is null)
            return;
        // Untouched since: back to what it was. Otherwise one failure fewer, and no lock once within the budget.
        if (
            row.Failures == c.After.Failures
            && row.LockedUntil == c.After.LockedUntil
            && row.UpdatedAt == c.After.UpdatedAt
        )
        {
            if (c.Before is null)
                await u.Sessions.ClearFailuresAsync(c.Key);
            else
                await u.Sessions.PutFailuresAsync(c.Key, c.Before);
            return;
        }
        var failures = Math.Max(row.Failures - 1, 0);
        await u.Sessions.PutFailuresAsync(
            c.Key,
            new SignInFailures
            {
                Failures = failures,
                LockedUntil = failures <= c.Free ? 0 : row.LockedUntil,
                UpdatedAt = row.UpdatedAt,
            }
        );
    }

    private static long LockedUntil(long now, int failures, int free) =>
        failures <= free ? 0 : now + (long)Math.Min(Math.Pow(2, failures - free) * 1000, LongestWait.TotalMilliseconds);
}
