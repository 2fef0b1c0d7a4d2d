using System.Buffers;

namespace Cubicle.Protocol;

/// <summary>
/// A growable byte buffer rented from the shared pool and given back on <see cref="Dispose"/>: an answer (or a page of
/// rows) is written here rather than into a new array per request, so the hot path leaves no garbage of its size.
/// </summary>
public sealed class PooledBuffer(int initialCapacity = 16 * 1024) : IBufferWriter<byte>, IDisposable
{
    private byte[] _array = ArrayPool<byte>.Shared.Rent(initialCapacity);
    private int _written;

    public int WrittenCount => _written;
    public ReadOnlySpan<byte> WrittenSpan => _array.AsSpan(0, _written);
    public ReadOnlyMemory<byte> WrittenMemory => _array.AsMemory(0, _written);

    /// <summary>A slice of what was written; valid until the buffer grows or is disposed.</summary>
    public ReadOnlyMemory<byte> Slice(int start, int length) => _array.AsMemory(start, length);

    public void Advance(int count)
    {
        if (count < 0 || _written + count > _array.Length)
            throw new ArgumentOutOfRangeException(nameof(count));
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Grow(sizeHint);
        return _array.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Grow(sizeHint);
        return _array.AsSpan(_written);
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetSpan(bytes.Length));
        _written += bytes.Length;
    }

    private void Grow(int sizeHint)
    {
        var needed = _written + Math.Max(sizeHint, 1);
        if (needed <= _array.Length)
            return;
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _array.Length * 2));
        _array.AsSpan(0, _written).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_array);
        _array = larger;
    }

    public void Dispose()
    {
        var array = Interlocked.Exchange(ref _array, []);
        if (array.Length > 0)
            ArrayPool<byte>.Shared.Return(array);
        _written = 0;
    }
}
