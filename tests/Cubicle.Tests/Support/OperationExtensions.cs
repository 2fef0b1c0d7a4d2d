using Cubicle.Protocol;

namespace Cubicle.Tests;

/// <summary>An operation's answer as bytes, for tests that read it whole.</summary>
public static class OperationExtensions
{
    public static async Task<byte[]> InvokeAsync(
        this IOperation op,
        CallContext ctx,
        ReadOnlyMemory<byte> body,
        ICallObserver? observer
    )
    {
        using var output = new PooledBuffer();
        await op.InvokeAsync(ctx, body, observer, output);
        return output.WrittenSpan.ToArray();
    }
}
