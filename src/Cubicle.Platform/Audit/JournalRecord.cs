using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using Cubicle.Storage;

namespace Cubicle.Audit;

/// <summary>
/// How one audit event is framed in the journal: a header (magic, payload length, CRC-32C of the payload) and the
/// payload (the event's columns). A crash can leave the last record torn (cut short, or zeros where the file system had
/// not yet written it): reading stops at the first record whose frame or checksum does not hold.
/// </summary>
internal static class JournalRecord
{
    public const int HeaderBytes = 12;
    private const uint Magic = 0x4A_42_55_43; // "CUBJ", little-endian
    private const byte Version = 1;

    /// <summary>
    /// No event comes near this (parameters are bounded): a larger length is a torn or foreign header.
    /// </summary>
    private const int MaxPayloadBytes = 8 << 20;

    [Flags]
    private enum Fields : byte
    {
        ReadOnly = 1,
        Username = 2,
        AccessKeyId = 4,
        Resources = 8,
    }

    /// <summary>Appends the framed record of <paramref name="e"/>.</summary>
    public static void Write(ArrayBufferWriter<byte> output, AuditEventRecord e)
    {
        var start = output.WrittenCount;
        output.GetSpan(HeaderBytes);
        output.Advance(HeaderBytes);
        var fields =
            (e.ReadOnly ? Fields.ReadOnly : 0)
            | (e.Username is null ? 0 : Fields.Username)
            | (e.AccessKeyId is null ? 0 : Fields.AccessKeyId)
            | (e.Resources is null ? 0 : Fields.Resources);
        var fixedPart = output.GetSpan(10);
        fixedPart[0] = Version;
        fixedPart[1] = (byte)fields;
        BinaryPrimitives.WriteInt64LittleEndian(fixedPart[2..], e.EventTime);
        output.Advance(10);
        WriteString(output, e.EventId);
        WriteString(output, e.AccountId);
        WriteString(output, e.Region);
        WriteString(output, e.EventName);
        WriteString(output, e.EventSource);
        if (e.Username is not null)
            WriteString(output, e.Username);
        if (e.AccessKeyId is not null)
            WriteString(output, e.AccessKeyId);
        WriteString(output, e.Body);
        if (e.Resources is not null)
            WriteString(output, e.Resources);

        // The header goes in last, over the space kept for it: the length and checksum cover the payload as written.
        var record = MemoryMarshal.AsMemory(output.WrittenMemory).Span[start..];
        var payload = record[HeaderBytes..];
        BinaryPrimitives.WriteUInt32LittleEndian(record, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(record[4..], payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record[8..], Crc32C(payload));
    }

    private static void WriteString(ArrayBufferWriter<byte> output, string value)
    {
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        var span = output.GetSpan(4 + max);
        var n = Encoding.UTF8.GetBytes(value, span[4..]);
        BinaryPrimitives.WriteInt32LittleEndian(span, n);
        output.Advance(4 + n);
    }

    /// <summary>Reads the record at the start of <paramref name="data"/>: false at the end of the journal, which is
    /// also where a torn or damaged record begins (nothing after it is read).</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out AuditEventRecord? e, out int consumed)
    {
        e = null;
        consumed = 0;
        if (data.Length < HeaderBytes || BinaryPrimitives.ReadUInt32LittleEndian(data) != Magic)
            return false;
        var length = BinaryPrimitives.ReadInt32LittleEndian(data[4..]);
        if (length is < 10 or > MaxPayloadBytes || data.Length - HeaderBytes < length)
            return false;
        var payload = data.Slice(HeaderBytes, length);
        if (Crc32C(payload) != BinaryPrimitives.ReadUInt32LittleEndian(data[8..]))
            return false;
        if (payload[0] != Version)
            return false;
        try
        {
            var fields = (Fields)payload[1];
            var time = BinaryPrimitives.ReadInt64LittleEndian(payload[2..]);
            var rest = payload[10..];
            e = new AuditEventRecord
            {
                EventTime = time,
                ReadOnly = fields.HasFlag(Fields.ReadOnly),
                EventId = ReadString(ref rest),
                AccountId = ReadString(ref rest),
                Region = ReadString(ref rest),
                EventName = ReadString(ref rest),
                EventSource = ReadString(ref rest),
                Username = fields.HasFlag(Fields.Username) ? ReadString(ref rest) : null,
                AccessKeyId = fields.HasFlag(Fields.AccessKeyId) ? ReadString(ref rest) : null,
                Body = ReadString(ref rest),
                Resources = fields.HasFlag(Fields.Resources) ? ReadString(ref rest) : null,
            };
            if (!rest.IsEmpty)
                return false;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false; // lengths that do not fit: a record this version did not write
        }
        consumed = HeaderBytes + length;
        return true;
    }

    private static string ReadString(ref ReadOnlySpan<byte> data)
    {
        var n = BinaryPrimitives.ReadInt32LittleEndian(data);
        if (n < 0 || n > data.Length - 4)
            throw new ArgumentOutOfRangeException(nameof(data));
        var s = Encoding.UTF8.GetString(data.Slice(4, n));
        data = data[(4 + n)..];
        return s;
    }

    /// <summary>CRC-32C (Castagnoli), with the processor's CRC instruction where it has one.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = uint.MaxValue;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (var b in data)
            crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }
}
