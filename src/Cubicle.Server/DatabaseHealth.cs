using Cubicle.Storage;

namespace Cubicle.Server;

/// <summary>Whether the database answers, asked at most once a second however often /health is polled.</summary>
public sealed class DatabaseHealth(IDatabase db, TimeProvider time)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);
    private (bool Up, DateTimeOffset At) _last = (false, DateTimeOffset.MinValue);

    public async Task<bool> IsUpAsync(CancellationToken ct)
    {
        var last = _last;
        var now = time.GetUtcNow();
        if (now - last.At < CacheFor) return last.Up;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        var up = await db.PingAsync(timeout.Token);
        _last = (up, now);
        return up;
    }
}
