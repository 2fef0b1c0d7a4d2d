using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Cubicle.Protocol;

/// <summary>
/// Opaque NextToken: the last key of the page, which query it belongs to (a hash of the operation and
/// its filters) and when it was issued, sealed with an HMAC so it cannot be forged or moved to another
/// query. 39 characters: within the seed's 63. Valid for one day, as the seed says.
/// </summary>
public sealed class PageTokens(byte[] key, TimeProvider time)
{
    private const byte Version = 1;
    private const int PayloadLength = 1 + 8 + 8 + 4;
    private const int MacLength = 8;
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(1);

    public string Issue(uint queryHash, long lastKey)
    {
        Span<byte> buf = stackalloc byte[PayloadLength + MacLength];
        buf[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(buf[1..], time.GetUtcNow().ToUnixTimeSeconds());
        BinaryPrimitives.WriteInt64BigEndian(buf[9..], lastKey);
        BinaryPrimitives.WriteUInt32BigEndian(buf[17..], queryHash);
        Span<byte> mac = stackalloc byte[32];
        ReusedHmac.Compute(key, buf[..PayloadLength], mac);
        mac[..MacLength].CopyTo(buf[PayloadLength..]);
        return Base64Url(buf);
    }

    /// <summary>Cuts a page from rows read with one row too many (limit + 1): drops the extra row and, when there
    /// was one, returns the NextToken that continues after the last row kept.</summary>
    public string? Cut<T>(List<T> rows, int limit, uint queryHash, Func<T, long> key)
    {
        if (rows.Count <= limit)
            return null;
        rows.RemoveRange(limit, rows.Count - limit);
        return Issue(queryHash, key(rows[^1]));
    }

    /// <summary>
    /// The last key the token carries; InvalidParameterValuesException if it is forged, foreign or expired.
    /// </summary>
    public long Read(string token, uint queryHash)
    {
        Span<byte> buf = stackalloc byte[PayloadLength + MacLength + 3];
        if (!TryDecode(token, buf, out var n) || n != PayloadLength + MacLength || buf[0] != Version)
            throw ApiException.InvalidParameter(
                "The NextToken is not valid: pass the NextToken value from a previous call unchanged."
            );
        Span<byte> mac = stackalloc byte[32];
        ReusedHmac.Compute(key, buf[..PayloadLength], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac[..MacLength], buf[PayloadLength..(PayloadLength + MacLength)]))
            throw ApiException.InvalidParameter(
                "The NextToken is not valid: pass the NextToken value from a previous call unchanged."
            );
        if (BinaryPrimitives.ReadUInt32BigEndian(buf[17..]) != queryHash)
            throw ApiException.InvalidParameter(
                "The NextToken does not belong to this request: the filters differ from the call that returned it."
            );
        var issued = DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt64BigEndian(buf[1..]));
        if (time.GetUtcNow() - issued > Lifetime)
            throw ApiException.InvalidParameter("The NextToken has expired: a NextToken is valid for one day.");
        return BinaryPrimitives.ReadInt64BigEndian(buf[9..]);
    }

    /// <summary>FNV-1a over the parts that define a query, so a token only continues the query that made it.</summary>
    public static uint Hash(string operation, params ReadOnlySpan<string?> parts)
    {
        var h = 2166136261u;
        h = Mix(h, operation);
        foreach (var p in parts)
            h = Mix((h ^ 0x1f) * 16777619, p ?? "\0");
        return h;

        static uint Mix(uint h, string s)
        {
            foreach (var ch in s)
                h = (h ^ ch) * 16777619;
            return h;
        }
    }

    private static string Base64Url(ReadOnlySpan<byte> data) =>
        Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryDecode(string token, Span<byte> dest, out int written)
    {
        written = 0;
        if (token.Length > 64)
            return false;
        var s = token.Replace('-', '+').Replace('_', '/');
        s = s.PadRight(s.Length + (4 - s.Length % 4) % 4, '=');
        return Convert.TryFromBase64String(s, dest, out written);
    }
}
