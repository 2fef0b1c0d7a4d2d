using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Caching.Memory;

namespace Cubicle.Protocol;

/// <summary>
/// A cache bounded in bytes (MemoryCache with a size limit): each entry is charged what it holds plus the cache's
/// own bookkeeping. Past the limit a new entry is not kept, and a compaction frees room, expired entries first, then
/// low-priority ones, then the least recently used. Whatever strangers send, the cache never holds more.
/// </summary>
public sealed class BoundedCache(long maxBytes) : IDisposable
{
    /// <summary>What an entry costs beyond its own data: the cache's entry object and its slot in the table.</summary>
    public const int EntryOverhead = 256;

    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = maxBytes });

    public bool TryGet<T>(object key, [MaybeNullWhen(false)] out T value) => _cache.TryGetValue(key, out value);

    /// <summary>Keeps <paramref name="value"/> for <paramref name="expiry"/> (renewed on each hit if
    /// <paramref name="sliding"/>), charged <paramref name="bytes"/> plus the overhead.</summary>
    public void Set<T>(
        object key,
        T value,
        long bytes,
        TimeSpan expiry,
        bool sliding = false,
        CacheItemPriority priority = CacheItemPriority.Normal
    )
    {
        var options = new MemoryCacheEntryOptions { Size = EntryOverhead + bytes, Priority = priority };
        if (sliding)
            options.SlidingExpiration = expiry;
        else
            options.AbsoluteExpirationRelativeToNow = expiry;
        _cache.Set(key, value, options);
    }

    /// <summary>The entries held now (for tests).</summary>
    public int Count => _cache.Count;

    public void Dispose() => _cache.Dispose();
}
