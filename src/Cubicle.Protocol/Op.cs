using System.Text.Json.Serialization.Metadata;

namespace Cubicle.Protocol;

/// <summary>The entries of an operation table, each declared as a read or a change.</summary>
public static class Op
{
    public static IOperation Read<TRequest, TResult>(
        string name,
        JsonTypeInfo<TRequest> request,
        JsonTypeInfo<TResult> result,
        Func<CallContext, TRequest, Task<TResult>> handler
    )
        where TRequest : class, new() => new Operation<TRequest, TResult>(name, true, request, result, handler);

    public static IOperation Change<TRequest, TResult>(
        string name,
        JsonTypeInfo<TRequest> request,
        JsonTypeInfo<TResult> result,
        Func<CallContext, TRequest, Task<TResult>> handler
    )
        where TRequest : class, new() => new Operation<TRequest, TResult>(name, false, request, result, handler);
}
