using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Cubicle.Storage;

namespace Cubicle.Protocol;

/// <summary>One action of an operation table: its request and result shapes, its handler, and whether it only reads
/// (a read is audited after it, with readOnly true; a change journals its event in its own transaction).</summary>
public sealed class Operation<TRequest, TResult>(
    string name,
    bool readOnly,
    JsonTypeInfo<TRequest> requestType,
    JsonTypeInfo<TResult> resultType,
    Func<CallContext, TRequest, Task<TResult>> handler
) : IOperation
    where TRequest : class, new()
{
    public string Name => name;
    public bool ReadOnly => readOnly;

    public async Task InvokeAsync(
        CallContext ctx,
        ReadOnlyMemory<byte> body,
        ICallObserver? observer,
        PooledBuffer output
    )
    {
        var request = AwsJson.Read(body.Span, requestType);
        // A read commits nothing, so it has no journal: its event is recorded after it (ICallObserver.OnCallAsync).
        if (observer is not null && !ReadOnly)
        {
            await observer.BeforeChangeAsync().ConfigureAwait(false);
            ctx.Journal = new CallJournal(
                ctx,
                this,
                body,
                observer,
                r => r is TResult t ? JsonSerializer.SerializeToUtf8Bytes(t, resultType) : []
            );
        }
        var result = await handler(ctx, request).ConfigureAwait(false);
        if (ctx.JournaledResponse is { } j && ReferenceEquals(j.Result, result))
        {
            output.Write(j.Bytes);
            return;
        }
        try
        {
            var writer = t_writer ??= new Utf8JsonWriter(output);
            writer.Reset(output);
            JsonSerializer.Serialize(writer, result, resultType);
            writer.Reset(Stream.Null); // no reference to the caller's buffer is kept
        }
        finally
        {
            // A result may hold pooled memory (a page of pre-rendered rows) until it is written.
            (result as IDisposable)?.Dispose();
        }
    }

    // One writer per thread, reset for each answer (a writer is a few hundred bytes of state).
    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;
}
