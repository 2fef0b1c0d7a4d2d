using System.Diagnostics;

namespace Cubicle.Observability;

/// <summary>
/// Cubicle's spans (exported over OTLP when an endpoint is configured): one per lifecycle job, and tags on the
/// host's span of each API call. Without a listener they cost nothing: no activity is created.
/// </summary>
public static class CubicleTracing
{
    public const string SourceName = "Cubicle";
    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>Tags the current server span with the API call (rpc.* conventions).</summary>
    public static void TagCall(string service, string action, string requestId, string? errorCode)
    {
        if (Activity.Current is not { } span)
            return;
        span.SetTag("rpc.system", "aws-api");
        span.SetTag("rpc.service", service);
        span.SetTag("rpc.method", action);
        span.SetTag("aws.request_id", requestId);
        if (errorCode is not null)
        {
            span.SetTag("aws.error_code", errorCode);
            span.SetStatus(ActivityStatusCode.Error, errorCode);
        }
    }
}
