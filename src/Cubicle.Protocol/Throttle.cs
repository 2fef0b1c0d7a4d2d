using System.Collections.Concurrent;

namespace Cubicle.Protocol;

/// <summary>
/// Per-account throttling with a token bucket: a steady rate and a burst. Past it: the seed's
/// Throttling error (400), which the AWS clients retry with backoff.
/// </summary>
public sealed class Throttle(TimeProvider time, double ratePerSecond, double burst)
{
    private sealed class Bucket
    {
        public double Tokens;
        public long Stamp;
    }

    private readonly ConcurrentDictionary<string, Bucket> _buckets = new();

    public void Admit(string accountId)
    {
        if (ratePerSecond <= 0)
            return;
        var now = time.GetTimestamp();
        var bucket = _buckets.GetOrAdd(accountId, _ => new Bucket { Tokens = burst, Stamp = now });
        lock (bucket)
        {
            var elapsed = time.GetElapsedTime(bucket.Stamp, now).TotalSeconds;
            bucket.Stamp = now;
            bucket.Tokens = Math.Min(burst, bucket.Tokens + elapsed * ratePerSecond);
            if (bucket.Tokens < 1)
                throw new ApiException(
                    ErrorCodes.Throttling,
                    $"Rate exceeded: account {accountId} may make {ratePerSecond:0.##} requests per "
                        + $"second (bursts of {burst:0})."
                );
            bucket.Tokens -= 1;
        }
    }
}
