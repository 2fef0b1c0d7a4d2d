using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Cubicle.Protocol;

/// <summary>
/// Signature Version 4, as AWS specifies it: the canonical request over exactly the headers the client
/// listed in SignedHeaders, the string to sign over the credential scope, and the derived signing key.
/// </summary>
public static class SigV4
{
    public static string CanonicalRequest(
        string method,
        string path,
        string query,
        IReadOnlyList<(string Name, string Value)> headers,
        string[] signedHeaders,
        string payloadHash
    ) =>
        CanonicalRequest(
            method,
            path,
            query,
            name =>
            {
                var values = new List<string>();
                foreach (var h in headers)
                    if (h.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
                        values.Add(h.Value);
                return new Microsoft.Extensions.Primitives.StringValues(values.ToArray());
            },
            signedHeaders,
            payloadHash
        );

    /// <summary>The canonical request, looking up only the signed headers (multiple values joined by commas).</summary>
    public static string CanonicalRequest(
        string method,
        string path,
        string query,
        Func<string, Microsoft.Extensions.Primitives.StringValues> header,
        string[] signedHeaders,
        string payloadHash
    )
    {
        var sb = new StringBuilder(512);
        sb.Append(method).Append('\n');
        sb.Append(path == "/" ? "/" : CanonicalPath(path)).Append('\n');
        sb.Append(CanonicalQuery(query)).Append('\n');
        foreach (var name in signedHeaders)
        {
            sb.Append(name).Append(':');
            var first = true;
            foreach (var value in header(name))
            {
                if (!first)
                    sb.Append(',');
                sb.Append(TrimAll(value ?? ""));
                first = false;
            }
            sb.Append('\n');
        }
        sb.Append('\n');
        sb.Append(string.Join(';', signedHeaders)).Append('\n');
        sb.Append(payloadHash);
        return sb.ToString();
    }

    public static string StringToSign(string amzDate, string scope, string canonicalRequest)
    {
        Span<byte> hash = stackalloc byte[32];
        HashUtf8(canonicalRequest, hash, static (utf8, h) => SHA256.HashData(utf8, h));
        return $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Hex(hash)}";
    }

    public static byte[] SigningKey(string secret, string date, string region, string service)
    {
        var k = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + secret), Encoding.UTF8.GetBytes(date));
        k = HMACSHA256.HashData(k, Encoding.UTF8.GetBytes(region));
        k = HMACSHA256.HashData(k, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(k, "aws4_request"u8);
    }

    /// <summary>The signature, hex; the same signing key array gives the same thread a reused keyed hash.</summary>
    public static string Signature(byte[] signingKey, string stringToSign)
    {
        Span<byte> mac = stackalloc byte[32];
        var utf8 = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(stringToSign.Length));
        try
        {
            var n = Encoding.UTF8.GetBytes(stringToSign, utf8);
            ReusedHmac.Compute(signingKey, utf8.AsSpan(0, n), mac);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(utf8);
        }
        return Hex(mac);
    }

    private delegate void SpanAction(ReadOnlySpan<byte> utf8, Span<byte> result);

    /// <summary>Runs <paramref name="hash"/> over the UTF-8 of <paramref name="text"/>, from a pooled buffer.</summary>
    private static void HashUtf8(string text, Span<byte> result, SpanAction hash)
    {
        var utf8 = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
        try
        {
            hash(utf8.AsSpan(0, Encoding.UTF8.GetBytes(text, utf8)), result);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(utf8);
        }
    }

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    /// <summary>Each path segment URI-encoded, after normalising "." and "..".</summary>
    public static string CanonicalPath(string path)
    {
        if (string.IsNullOrEmpty(path))
            return "/";
        var segments = new List<string>();
        foreach (var seg in path.Split('/'))
        {
            if (seg is "" or ".")
                continue;
            if (seg == "..")
            {
                if (segments.Count > 0)
                    segments.RemoveAt(segments.Count - 1);
                continue;
            }
            segments.Add(UriEncode(Uri.UnescapeDataString(seg)));
        }
        var result = "/" + string.Join('/', segments);
        if (path.EndsWith('/') && result.Length > 1)
            result += "/";
        return result;
    }

    public static string CanonicalQuery(string query)
    {
        if (string.IsNullOrEmpty(query))
            return "";
        if (query[0] == '?')
            query = query[1..];
        var pairs = query
            .Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p =>
            {
                var eq = p.IndexOf('=');
                var k = eq < 0 ? p : p[..eq];
                var v = eq < 0 ? "" : p[(eq + 1)..];
                return (
                    K: UriEncode(Uri.UnescapeDataString(k.Replace('+', ' '))),
                    V: UriEncode(Uri.UnescapeDataString(v.Replace('+', ' ')))
                );
            })
            .OrderBy(p => p.K, StringComparer.Ordinal)
            .ThenBy(p => p.V, StringComparer.Ordinal);
        return string.Join('&', pairs.Select(p => p.K + "=" + p.V));
    }

    public static string UriEncode(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~')
                sb.Append(c);
            else
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>Trims a header value and folds runs of spaces into one, as the canonical form requires.</summary>
    public static string TrimAll(string value)
    {
        value = value.Trim();
        if (!value.Contains("  ", StringComparison.Ordinal))
            return value;
        var sb = new StringBuilder(value.Length);
        var space = false;
        foreach (var ch in value)
        {
            if (ch == ' ')
            {
                if (!space)
                    sb.Append(ch);
                space = true;
            }
            else
            {
                sb.Append(ch);
                space = false;
            }
        }
        return sb.ToString();
    }
}
