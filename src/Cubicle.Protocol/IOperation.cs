namespace Cubicle.Protocol;

/// <summary>One API action: how to read its input, run it, and write its output.</summary>
public interface IOperation
{
    string Name { get; }

    /// <summary>Describe* actions: marked readOnly in the audit trail.</summary>
    bool ReadOnly { get; }
    Task<byte[]> InvokeAsync(CallContext ctx, ReadOnlyMemory<byte> body, ICallObserver? observer);

    /// <summary>As <see cref="InvokeAsync"/>, writing the answer into <paramref name="output"/>.</summary>
    async Task InvokeAsync(CallContext ctx, ReadOnlyMemory<byte> body, ICallObserver? observer, PooledBuffer output) =>
        output.Write(await InvokeAsync(ctx, body, observer));
}
