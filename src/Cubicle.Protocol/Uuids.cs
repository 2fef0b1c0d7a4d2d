using System.Buffers.Binary;

namespace Cubicle.Protocol;

/// <summary>
/// Request and event ids: UUIDs whose random bits come from a fast generator seeded from the system's (unique across
/// nodes and restarts, as ids must be; not secrets, which ids are not). Guid.NewGuid reads the kernel's random source
/// for each one, a system call per id, on every request.
/// </summary>
public static class Uuids
{
    /// <summary>A random (version 4) UUID.</summary>
    public static Guid NewRandom()
    {
        Span<byte> b = stackalloc byte[16];
        Random.Shared.NextBytes(b);
        b[6] = (byte)(0x40 | (b[6] & 0x0F));
        b[8] = (byte)(0x80 | (b[8] & 0x3F));
        return new Guid(b, bigEndian: true);
    }

    /// <summary>A time-ordered (version 7) UUID: the time's milliseconds first, then random bits.</summary>
    public static Guid NewTimeOrdered(DateTimeOffset time)
    {
        Span<byte> b = stackalloc byte[16];
        Random.Shared.NextBytes(b[6..]);
        Span<byte> ms = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(ms, time.ToUnixTimeMilliseconds());
        ms[2..].CopyTo(b);
        b[6] = (byte)(0x70 | (b[6] & 0x0F));
        b[8] = (byte)(0x80 | (b[8] & 0x3F));
        return new Guid(b, bigEndian: true);
    }
}
