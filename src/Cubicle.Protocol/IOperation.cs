namespace Cubicle.Protocol;

/// <summary>One API action: how to read its input, run it, and write its output.</summary>
public interface IOperation
{
    string Name { get; }

    /// <summary>Whether the action only reads: declared in its service's operation table (Op.Read).</summary>
    bool ReadOnly { get; }

    /// <summary>Reads the request from <paramref name="body"/>, runs the action, and writes the answer into
    /// <paramref name="output"/>.</summary>
    Task InvokeAsync(CallContext ctx, ReadOnlyMemory<byte> body, ICallObserver? observer, PooledBuffer output);
}
