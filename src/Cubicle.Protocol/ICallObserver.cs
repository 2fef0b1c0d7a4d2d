using Cubicle.Storage;

namespace Cubicle.Protocol;

/// <summary>Sees every call that reached an operation (the audit trail).</summary>
public interface ICallObserver
{
    /// <summary>The call's event, to commit in the transaction of its change.</summary>
    AuditEventRecord Build(
        CallContext ctx,
        IOperation operation,
        ReadOnlySpan<byte> request,
        ReadOnlySpan<byte> response,
        ApiException? error
    );

    /// <summary>Before a call that may change something: whatever must come before its event in the trail is
    /// stored first.</summary>
    Task BeforeChangeAsync() => Task.CompletedTask;

    /// <summary>
    /// For a call whose event was not committed with a change (reads, failures); durable when the task completes.
    /// </summary>
    Task OnCallAsync(
        CallContext ctx,
        IOperation operation,
        ReadOnlyMemory<byte> request,
        ReadOnlyMemory<byte>? response,
        ApiException? error
    );
}
