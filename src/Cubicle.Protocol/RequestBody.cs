using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;

namespace Cubicle.Protocol;

/// <summary>
/// A request body read whole into a pooled array, up to a limit; <see cref="Return"/> gives the array back.
/// </summary>
internal readonly struct RequestBody
{
    // Bodies up to 64 KiB (nearly all) come from the shared pool. Larger ones come from a small pool of their own:
    // the shared pool keeps arrays per thread and per core, and each thread that once read a 1 MiB body would
    // keep a 1 MiB array for good; here at most a few of each size are kept, the rest are left to the GC.
    private const int SmallBody = 64 * 1024;
    private static readonly ArrayPool<byte> LargeBodies = ArrayPool<byte>.Create(
        maxArrayLength: 4 << 20,
        maxArraysPerBucket: 4
    );

    private readonly byte[]? _array;
    private readonly int _length;

    private RequestBody(byte[] array, int length)
    {
        _array = array;
        _length = length;
    }

    /// <summary>The bytes read; empty when nothing was read.</summary>
    public ReadOnlyMemory<byte> Memory => _array.AsMemory(0, _length);

    /// <summary>Reads the whole body into a pooled buffer, refusing more than <paramref name="max"/> bytes.</summary>
    public static async Task<RequestBody> ReadAsync(HttpRequest request, int max)
    {
        if (request.ContentLength > max)
            throw TooLarge(max);
        var reader = request.BodyReader;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await reader.ReadAsync();
            }
            catch (IOException ex)
                when (ex is not BadHttpRequestException && !request.HttpContext.RequestAborted.IsCancellationRequested)
            {
                // Kestrel reports some broken framing as a bare IOException (a chunk size that overflows):
                // it is the client's malformed request all the same.
                throw new BadHttpRequestException(
                    $"The request body is malformed: {ex.Message}",
                    StatusCodes.Status400BadRequest,
                    ex
                );
            }
            var buffer = result.Buffer;
            if (buffer.Length > max)
            {
                reader.AdvanceTo(buffer.End);
                throw TooLarge(max);
            }
            if (result.IsCompleted)
            {
                var array = Rent((int)buffer.Length);
                buffer.CopyTo(array);
                var len = (int)buffer.Length;
                reader.AdvanceTo(buffer.End);
                return new RequestBody(array, len);
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Gives the array back to its pool (if a body was read); the body is not to be used after.</summary>
    public void Return()
    {
        if (_array is null)
            return;
        if (_array.Length <= SmallBody)
            ArrayPool<byte>.Shared.Return(_array);
        else
            LargeBodies.Return(_array);
    }

    public static ApiException TooLarge(int max) =>
        new(
            ErrorCodes.RequestEntityTooLarge,
            $"The request body is larger than the {max} bytes this API accepts.",
            413
        );

    private static byte[] Rent(int length) =>
        length <= SmallBody ? ArrayPool<byte>.Shared.Rent(Math.Max(1, length)) : LargeBodies.Rent(length);
}
