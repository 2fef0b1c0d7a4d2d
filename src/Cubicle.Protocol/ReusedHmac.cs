using System.Security.Cryptography;

namespace Cubicle.Protocol;

/// <summary>
/// HMAC-SHA256 under keys used again and again (a SigV4 signing key, the page-token key): each thread keeps the keyed
/// hashes of its last few keys and resets them after each use. A one-shot HMAC looks the algorithm up in OpenSSL
/// every time, which costs more than hashing a request's few hundred bytes.
/// </summary>
public static class ReusedHmac
{
    private const int Kept = 4;

    // The key arrays are compared by reference: callers pass the same array for the same key (and never change it).
    [ThreadStatic]
    private static (byte[] Key, IncrementalHash Hash)[]? t_hashes;

    [ThreadStatic]
    private static int t_next;

    public static void Compute(byte[] key, ReadOnlySpan<byte> data, Span<byte> mac)
    {
        var hashes = t_hashes ??= new (byte[], IncrementalHash)[Kept];
        IncrementalHash? hash = null;
        foreach (var (k, h) in hashes)
            if (ReferenceEquals(k, key))
            {
                hash = h;
                break;
            }
        if (hash is null)
        {
            var slot = t_next;
            t_next = (slot + 1) % Kept;
            hashes[slot].Hash?.Dispose();
            hash = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
            hashes[slot] = (key, hash);
        }
        hash.AppendData(data);
        hash.GetHashAndReset(mac);
    }
}
