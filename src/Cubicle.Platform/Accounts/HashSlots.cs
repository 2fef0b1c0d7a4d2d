using System.Collections.Concurrent;
using System.Diagnostics;

namespace Cubicle.Accounts;

/// <summary>
/// Hashing is slow by design: at most one hash per core at a time (setting passwords and checking them at sign-in
/// alike), so that no caller can take every core; and at most all the slots but one for one account, so that one
/// account's flood of sign-ins cannot starve another's (the others queue behind a bounded few of its hashes, never
/// behind the flood), while a server of one tenant keeps nearly all of its cores for it. Per node, in memory: it
/// shares out this node's cores.
/// </summary>
public static class HashSlots
{
    public static readonly int Total = Math.Max(2, Environment.ProcessorCount);
    public static readonly int PerAccount = Total - 1;
    private static readonly SemaphoreSlim All = new(Total);

    // One entry per account that has hashed on this node: as many as there are tenants.
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Accounts = new();

    /// <summary>A slot for one hash for the account, released by disposing it; null when none frees up within
    /// <paramref name="wait"/>.</summary>
    public static async Task<IDisposable?> EnterAsync(string account, TimeSpan wait)
    {
        var started = Stopwatch.GetTimestamp();
        var own = Accounts.GetOrAdd(account, _ => new SemaphoreSlim(PerAccount));
        if (!await own.WaitAsync(wait))
            return null;
        var left = wait - Stopwatch.GetElapsedTime(started);
        if (!await All.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero))
        {
            own.Release();
            return null;
        }
        return new Slot(own);
    }

    private sealed class Slot(SemaphoreSlim own) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
                return;
            All.Release();
            own.Release();
        }
    }
}
