using System.Collections;
using Cubicle.Protocol;

namespace Cubicle.Server;

/// <summary>
/// Gives each request an AWS-style request id (a UUID, unique across nodes and restarts) and puts it in a logging
/// scope, so every line logged while the request is served carries it, and the answer's x-amzn-RequestId, the audit
/// event and the logs agree. (No client text goes in the scope: a decoded path could forge a log line.)
/// </summary>
public sealed class RequestLogScope(string requestId) : IReadOnlyList<KeyValuePair<string, object>>
{
    public static async Task Middleware(HttpContext http, RequestDelegate next)
    {
        var id = Uuids.NewRandom().ToString();
        http.TraceIdentifier = id;
        var log = http.RequestServices.GetRequiredService<ILogger<RequestLogScope>>();
        using (log.BeginScope(new RequestLogScope(id)))
            await next(http);
    }

    public int Count => 1;

    public KeyValuePair<string, object> this[int index] =>
        index == 0 ? new("RequestId", requestId) : throw new ArgumentOutOfRangeException(nameof(index));

    public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
    {
        yield return this[0];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    // The text console prints a scope by ToString().
    public override string ToString() => "RequestId:" + requestId;
}
