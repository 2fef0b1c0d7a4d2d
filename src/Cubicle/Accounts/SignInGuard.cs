using System.Security.Cryptography;
using Cubicle.Storage;

namespace Cubicle.Accounts;

/// <summary>
/// Slows password guessing down and gives nothing away: failures are counted per user and per client address in
/// the database (so every node sees them), and past a few, each further attempt must wait longer (429 with
/// Retry-After); an unknown user costs the same hashing work as a known one; and hashing is bounded, so a flood of
/// attempts cannot take every core.
/// </summary>
public sealed class SignInGuard(IDatabase db, TimeProvider time)
{
    /// <summary>Failures allowed before a user, or a client address (which may be shared), has to wait.</summary>
    public const int FreeUserFailures = 5;
    private const int PruneEvery = 100;
    private long _failuresSincePrune;
    public const int FreeAddressFailures = 20;
    public static readonly TimeSpan LongestWait = TimeSpan.FromMinutes(15);

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

    public static string UserKey(string scope, string user) => $"user:{scope}/{user.ToLowerInvariant()}";

    public static string AddressKey(string? address) => $"addr:{address ?? "unknown"}";

    /// <summary>A password check that costs the same whether or not there is a user to check it against: with no
    /// stored hash (no such user, no password, a disabled user), a dummy one is checked and the answer is no.</summary>
    public static Func<Task<bool>> AgainstHash(string password, string? storedHash) =>
        () => Task.FromResult(Passwords.Verify(password, storedHash ?? DummyHash) && storedHash is not null);

    /// <summary>Runs the password check (<see cref="AgainstHash"/>, or a bind to the customer's directory), unless the
    /// user or the address must wait; counts a failure against both, or clears the user's on success.</summary>
    public async Task<Result> CheckAsync(string userKey, string addressKey, Func<Task<bool>> verify)
    {
        if (await WaitAsync(userKey, addressKey) is { } wait)
            return new(Verdict.Wait, wait);
        if (!await Passwords.Slots.WaitAsync(TimeSpan.FromSeconds(5)))
            return new(Verdict.Busy, TimeSpan.FromSeconds(5));
        bool valid;
        try
        {
            // Again, now that it is this attempt's turn: attempts queued meanwhile may have locked the user out.
            if (await WaitAsync(userKey, addressKey) is { } late)
                return new(Verdict.Wait, late);
            valid = await verify();
        }
        finally
        {
            Passwords.Slots.Release();
        }
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await db.WriteAsync(
            Journal.Service,
            async u =>
            {
                if (valid)
                {
                    await u.Sessions.ClearFailuresAsync(userKey);
                    return 0;
                }
                await u.Sessions.AddFailureAsync(userKey, now, n => LockedUntil(now, n, FreeUserFailures));
                await u.Sessions.AddFailureAsync(addressKey, now, n => LockedUntil(now, n, FreeAddressFailures));
                // Every name tried leaves a row: now and then the ones that no longer count go.
                if (Interlocked.Increment(ref _failuresSincePrune) % PruneEvery == 0)
                    await u.Sessions.PruneFailuresAsync(now);
                return 0;
            }
        );
        return new(valid ? Verdict.Valid : Verdict.Invalid);
    }

    private static long LockedUntil(long now, int failures, int free) =>
        failures <= free ? 0 : now + (long)Math.Min(Math.Pow(2, failures - free) * 1000, LongestWait.TotalMilliseconds);

    private async Task<TimeSpan?> WaitAsync(string userKey, string addressKey)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var until = await db.ReadAsync(async u =>
            Math.Max(
                (await u.Sessions.GetFailuresAsync(userKey))?.LockedUntil ?? 0,
                (await u.Sessions.GetFailuresAsync(addressKey))?.LockedUntil ?? 0
            )
        );
        return until > now ? TimeSpan.FromMilliseconds(until - now) : null;
    }
}
