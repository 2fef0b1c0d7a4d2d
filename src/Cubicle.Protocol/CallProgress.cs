namespace Cubicle.Protocol;

/// <summary>
/// How far one API call has got: what its metrics are labelled with, and what its audit event and error answer are
/// made from should it fail part-way. A struct, kept in the endpoint's own async state: following a call allocates
/// nothing.
/// </summary>
internal struct CallProgress(string requestId, long started)
{
    public readonly string RequestId = requestId;

    /// <summary>When the call began (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>).</summary>
    public readonly long Started = started;

    /// <summary>Read once the action is named; empty before.</summary>
    public RequestBody Body;

    /// <summary>The service and operation of a known action, once the body is read: the metrics' labels.</summary>
    public ServiceApi? Api;
    public IOperation? Operation;

    /// <summary>Set once the call is authenticated and admitted: only from then on is it audited.</summary>
    public CallContext? Context;
}
