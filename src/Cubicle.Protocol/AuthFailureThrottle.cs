using System.Net;
using System.Net.Sockets;

namespace Cubicle.Protocol;

/// <summary>
/// Counts failed authentications per client address and per access key id, in memory on each node, and answers
/// Throttling (400, which AWS clients retry) past a bound. An address past it is refused whatever it sends (not
/// even a right signature is checked). A key id past it is refused only to addresses that failed themselves within
/// the last minute: strangers guessing at a key from many addresses get one try a minute each, and the key's own
/// clients elsewhere are never refused for their failures. Each count drains at the bound per minute. The counters
/// are bounded in bytes (<see cref="MaxBytes"/>): when full, expired and least recently used ones go first.
/// </summary>
public sealed class AuthFailureThrottle(TimeProvider time, int perMinute) : IDisposable
{
    /// <summary>The counters' memory on a node: some tens of thousands of addresses and key ids.</summary>
    public const long MaxBytes = 8L << 20;
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly BoundedCache _counters = new(MaxBytes);

    private sealed class Counter
    {
        public double Level;
        public long Stamp;
        public long LastFailure;
    }

    /// <summary>
    /// The address failures are counted against: an IPv4 address, or an IPv6 address's /64 (a host commonly holds a
    /// whole /64, so counting its addresses one by one would count nothing).
    /// </summary>
    public static string AddressOf(IPAddress? ip)
    {
        if (ip is null)
            return "unknown";
        if (ip.IsIPv4MappedToIPv6)
            ip = ip.MapToIPv4();
        if (ip.AddressFamily != AddressFamily.InterNetworkV6)
            return ip.ToString();
        var bytes = ip.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>Throws Throttling if the address, or this address guessing at the key id, must wait.</summary>
    public void Admit(string address, string? keyId)
    {
        if (perMinute <= 0)
            return;
        var now = time.GetTimestamp();
        if (!_counters.TryGet<Counter>(AddressName(address), out var mine))
            return; // no failure of its own: never refused
        if (LevelOf(mine, now) >= perMinute)
            throw Refused("from this address");
        if (
            keyId is not null
            && time.GetElapsedTime(Interlocked.Read(ref mine.LastFailure), now) < Window
            && _counters.TryGet<Counter>(KeyName(keyId), out var key)
            && LevelOf(key, now) >= perMinute
        )
            throw Refused("for this access key");
    }

    /// <summary>Counts a failed authentication against the address and, once the header named it, the key id.
    /// </summary>
    public void Failed(string address, string? keyId)
    {
        if (perMinute <= 0)
            return;
        var now = time.GetTimestamp();
        Add(AddressName(address), now);
        if (keyId is not null)
            Add(KeyName(keyId), now);
    }

    private static string AddressName(string address) => "a " + address;

    private static string KeyName(string keyId) => "k " + keyId;

    private void Add(string name, long now)
    {
        if (!_counters.TryGet<Counter>(name, out var counter))
        {
            counter = new Counter { Stamp = now };
            // A count drains within two windows (it is capped at twice the bound): unused that long, it is zero.
            _counters.Set(name, counter, 2L * name.Length + 64, 2 * Window, sliding: true);
        }
        lock (counter)
        {
            counter.Level = Math.Min(LevelOf(counter, now) + 1, 2.0 * perMinute);
            counter.Stamp = now;
            Interlocked.Exchange(ref counter.LastFailure, now);
        }
    }

    private double LevelOf(Counter counter, long now)
    {
        lock (counter)
        {
            var drained = time.GetElapsedTime(counter.Stamp, now).TotalMinutes * perMinute;
            return Math.Max(0, counter.Level - drained);
        }
    }

    private static ApiException Refused(string what) =>
        new(
            ErrorCodes.Throttling,
            $"Rate exceeded: too many failed authentications {what}. Check the credentials, and try again later."
        );

    public void Dispose() => _counters.Dispose();
}
