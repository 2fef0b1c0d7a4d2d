using Cubicle.Storage;

namespace Cubicle.Protocol;

/// <summary>An API call's journal: the call's CloudTrail event, built from its result inside the transaction of its
/// change. The serialized result is kept, so the answer reuses it.</summary>
internal sealed class CallJournal(
    CallContext ctx,
    IOperation operation,
    ReadOnlyMemory<byte> request,
    ICallObserver observer,
    Func<object?, byte[]> serialize
) : Journal
{
    public override AuditEventRecord? EventFor(object? result)
    {
        var bytes = result is null ? [] : serialize(result);
        if (result is not null && bytes.Length > 0)
            ctx.JournaledResponse = (result, bytes);
        return observer.Build(ctx, operation, request.Span, bytes, null);
    }

    public override void Committed(object? result) => ctx.Journaled = true;
}
