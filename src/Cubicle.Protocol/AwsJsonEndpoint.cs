using System.Buffers;
using System.Collections.Frozen;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text.Json;
using Cubicle.Observability;
using Cubicle.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cubicle.Protocol;

/// <summary>
/// The HTTP entry point of the awsJson1_1 protocol: POST / with X-Amz-Target "Prefix.Operation".
/// Reads the capped body, authenticates, dispatches, and writes the result or the error in the form
/// every AWS client parses: {"__type": "Code", "message": "..."} with x-amzn-RequestId.
/// </summary>
public sealed partial class AwsJsonEndpoint
{
    private readonly FrozenDictionary<string, (IOperation Operation, ServiceApi Service)> _operations;
    private readonly FrozenDictionary<string, (IOperation Operation, ServiceApi Service)> _restRoutes;

    // Console calls name every operation "Prefix.Operation", restJson1 ones too.
    private readonly FrozenDictionary<string, (IOperation Operation, ServiceApi Service)> _consoleTargets;
    private readonly Authenticator _auth;
    private readonly Throttle _throttle;
    private readonly CubicleOptions _options;
    private readonly ILogger<AwsJsonEndpoint> _log;
    private readonly ICallObserver? _observer;
    private readonly CancellationToken _stopping;
    private readonly CubicleMetrics? _metrics;

    public AwsJsonEndpoint(
        IEnumerable<ServiceApi> services,
        Authenticator auth,
        Throttle throttle,
        CubicleOptions options,
        ILogger<AwsJsonEndpoint> log,
        Microsoft.Extensions.Hosting.IHostApplicationLifetime? lifetime = null,
        ICallObserver? observer = null,
        CubicleMetrics? metrics = null
    )
    {
        _metrics = metrics;
        _stopping = lifetime?.ApplicationStopping ?? CancellationToken.None;
        var list = services.ToList();
        _operations = list.Where(s => !s.IsRestJson)
            .SelectMany(s => s.Operations.Select(op => KeyValuePair.Create($"{s.TargetPrefix}.{op.Name}", (op, s))))
            .ToFrozenDictionary(StringComparer.Ordinal);
        _restRoutes = list.Where(s => s.IsRestJson)
            .SelectMany(s => s.Operations.Select(op => KeyValuePair.Create(s.RestPaths![op.Name], (op, s))))
            .ToFrozenDictionary(StringComparer.Ordinal);
        _consoleTargets = list.SelectMany(s =>
                s.Operations.Select(op => KeyValuePair.Create($"{s.TargetPrefix}.{op.Name}", (op, s)))
            )
            .ToFrozenDictionary(StringComparer.Ordinal);
        _auth = auth;
        _throttle = throttle;
        _options = options;
        _log = log;
        _observer = observer;
    }

    /// <summary>An API call over the wire: SigV4-signed, routed by X-Amz-Target or (restJson1) by path.</summary>
    public Task HandleAsync(HttpContext http) => RunAsync(http, null, null, null);

    /// <summary>
    /// An API call from a signed-in console session: the key was proven when the session began, so the call is
    /// not signed, but everything else (the key's policy, throttling, audit, metrics) is as for a signed call.
    /// </summary>
    public Task HandleConsoleAsync(HttpContext http, AccessKey key, string region, string target) =>
        RunAsync(http, key, region, target);

    private async Task RunAsync(HttpContext http, AccessKey? sessionKey, string? sessionRegion, string? sessionTarget)
    {
        var started = Stopwatch.GetTimestamp();
        // The request id is the host's (see RequestLogScope): the same one in the logs, the answer and the audit.
        var requestId = http.TraceIdentifier;
        var response = http.Response;
        response.Headers["x-amzn-RequestId"] = requestId;
        byte[]? rented = null;
        PooledBuffer? output = null;
        CallContext? ctx = null;
        IOperation? operation = null;
        ApiException? error = null;
        ServiceApi? api = null;
        var closeConnection = false;
        var length = 0;
        try
        {
            if (_stopping.IsCancellationRequested)
                throw new ApiException(
                    ErrorCodes.ServiceUnavailable,
                    "The service is shutting down. Try again shortly.",
                    503
                );
            if (!HttpMethods.IsPost(http.Request.Method))
                throw new ApiException(
                    ErrorCodes.MissingAction,
                    "WorkSpaces API requests are POST / with an X-Amz-Target header naming the action.",
                    400
                );
            // restJson1 services (Directory Service Data) name the action by the path; the others by X-Amz-Target.
            var path = http.Request.Path.Value ?? "/";
            (IOperation Operation, ServiceApi Service) entry = default;
            var rest = sessionKey is null && path != "/" && _restRoutes.TryGetValue(path, out entry);
            var target = sessionTarget ?? (rest ? path : http.Request.Headers["X-Amz-Target"].ToString());
            if (string.IsNullOrEmpty(target))
                throw new ApiException(
                    ErrorCodes.MissingAction,
                    "The request is missing an action: set the "
                        + "X-Amz-Target header, e.g. WorkspacesService.DescribeWorkspaces."
                );

            (rented, length) = await ReadBodyAsync(http.Request, _options.MaxBodyBytes);
            ReadOnlyMemory<byte> body = rented.AsMemory(0, length);

            var known = rest || (sessionKey is null ? _operations : _consoleTargets).TryGetValue(target, out entry);
            api = known ? entry.Service : null;
            if (known)
                operation = entry.Operation; // for the metrics' labels; audited only once authenticated
            Authenticator.Identity identity;
            if (sessionKey is not null)
                identity = new Authenticator.Identity(sessionKey, sessionRegion!, api?.SigningName ?? "workspaces");
            else
            {
                try
                {
                    identity = await _auth.AuthenticateAsync(http.Request, body, api?.SigningName ?? "workspaces");
                }
                catch (ApiException ex)
                {
                    _metrics?.AuthRefused(ex.Code);
                    throw;
                }
            }
            try
            {
                _throttle.Admit(identity.Key.AccountId);
            }
            catch (ApiException)
            {
                _metrics?.Throttled();
                throw;
            }
            if (!known)
                throw new ApiException(
                    ErrorCodes.InvalidAction,
                    $"The action {target} is not valid for this "
                        + "endpoint. Verify that the action is typed correctly."
                );
            operation = entry.Operation!;
            var routed = entry.Service!;
            // After authentication: the signature covers the body as sent.
            if (rest)
                body = RestJson.WithQueryMembers(body, http.Request.Query, routed.QueryMembers);

            ctx = new CallContext
            {
                RequestId = requestId,
                AccountId = identity.Key.AccountId,
                Region = identity.Region,
                AccessKeyId = identity.Key.AccessKeyId,
                PrincipalArn = identity.Key.PrincipalArn,
                Policy = identity.Key.Policy,
                UserName = identity.Key.UserName,
                ActionPrefix = routed.SigningName,
                SourceIp = http.Connection.RemoteIpAddress?.ToString(),
                UserAgent = http.Request.Headers.UserAgent.ToString(),
            };
            output = new PooledBuffer();
            await operation.InvokeAsync(ctx, body, _observer, output);
            if (_observer is not null && !ctx.Journaled)
                await _observer.OnCallAsync(ctx, operation, body, output.WrittenMemory, null);
            response.StatusCode = 200;
            response.ContentType = routed.IsRestJson ? RestJson.ContentType : AwsJson.ContentType;
            response.ContentLength = output.WrittenCount;
            await response.Body.WriteAsync(output.WrittenMemory);
            Measure(api, operation, null, started, requestId);
            return;
        }
        catch (ApiException ex)
        {
            error = api?.Translate(ex) ?? ex;
        }
        catch (StoreConflictException ex)
        {
            _log.LogWarning("Request {RequestId}: {Conflict}", requestId, ex.Message);
            error = new ApiException(
                ErrorCodes.OperationInProgress,
                "Another request changed the same resource at the same moment. Try again."
            );
        }
        catch (StoreUnavailableException ex)
        {
            _log.LogWarning(ex.InnerException, "Request {RequestId}: store unavailable", requestId);
            _metrics?.DatabaseError();
            error = Unavailable();
        }
        catch (BadHttpRequestException ex)
        {
            // Broken framing (a bad chunk, a body that stalls or trickles): the connection cannot carry another
            // request.
            error =
                ex.StatusCode == StatusCodes.Status408RequestTimeout
                    ? new ApiException(ErrorCodes.RequestTimeout, "The request body was not received in time.", 408)
                : ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? TooLarge(_options.MaxBodyBytes)
                : new ApiException(ErrorCodes.Serialization, $"The request could not be read: {ex.Message}", 400);
            closeConnection = true;
        }
        catch (Exception ex) when (!http.RequestAborted.IsCancellationRequested)
        {
            _log.LogError(ex, "Request {RequestId} failed", requestId);
            error = InternalFailure();
        }
        finally
        {
            if (error is null && rented is not null)
                ReturnBody(rented);
            output?.Dispose();
        }
        if (error is null)
            return;
        try
        {
            if (_observer is not null && ctx is not null && operation is not null && !ctx.Journaled)
                await _observer.OnCallAsync(ctx, operation, rented.AsMemory(0, length), null, error);
        }
        catch (StoreUnavailableException ex)
        {
            _log.LogWarning(ex, "Request {RequestId}: its audit event could not be stored", requestId);
            _metrics?.DatabaseError();
            error = Unavailable();
        }
        catch (Exception ex) when (!http.RequestAborted.IsCancellationRequested)
        {
            // Nothing that goes wrong while recording a failed call may leave its client without an AWS answer.
            _log.LogError(ex, "Request {RequestId}: its audit event could not be recorded", requestId);
            error = InternalFailure();
        }
        finally
        {
            if (rented is not null)
                ReturnBody(rented);
        }
        if (error.Status == 413)
            closeConnection = true; // the unread body cannot be skipped
        if (closeConnection)
            response.Headers.Connection = "close";
        Measure(api, operation, error, started, requestId);
        await WriteErrorAsync(response, error, api?.IsRestJson == true);
    }

    // Labels come from the routing table, never from client text: an unknown action is counted as "(unknown)".
    private void Measure(ServiceApi? api, IOperation? operation, ApiException? error, long started, string requestId)
    {
        var (service, action) = (api?.SigningName ?? "(unknown)", operation?.Name ?? "(unknown)");
        var elapsed = Stopwatch.GetElapsedTime(started);
        _metrics?.Request(service, action, error?.Code ?? "OK", elapsed.TotalSeconds);
        CubicleTracing.TagCall(service, action, requestId, error?.Code);
        LogAnswered(_log, service, action, error?.Status ?? 200, error?.Code ?? "OK", elapsed.TotalMilliseconds);
    }

    // The access log, at Debug (--log-level debug): one line per call, in the request's scope.
    [LoggerMessage(
        Level = LogLevel.Debug,
        Message = "{Service}.{Action} answered {Status} {Code} in {Milliseconds:0.0} ms"
    )]
    private static partial void LogAnswered(
        ILogger log,
        string service,
        string action,
        int status,
        string code,
        double milliseconds
    );

    private static ApiException InternalFailure() =>
        new(
            ErrorCodes.InternalFailure,
            "The request processing has failed because of an unknown error. Try again later.",
            500
        );

    private static ApiException Unavailable() =>
        new(ErrorCodes.ServiceUnavailable, "The service is temporarily unable to handle the request. Try again.", 503);

    public static async Task WriteErrorAsync(HttpResponse response, ApiException ex, bool restJson = false)
    {
        if (response.HasStarted)
            return;
        response.StatusCode = ex.Status;
        response.ContentType = restJson ? RestJson.ContentType : AwsJson.ContentType;
        response.Headers["x-amzn-ErrorType"] = ex.Code;
        // awsJson1_1 models name the extra member "reason"; restJson1's (Directory Service Data) "Reason".
        var bytes = JsonSerializer.SerializeToUtf8Bytes(
            new ErrorBody
            {
                Type = ex.Code,
                Message = ex.Message,
                ResourceId = ex.ResourceId,
                Reason = restJson ? null : ex.Reason,
                RestReason = restJson ? ex.Reason : null,
            },
            ProtocolJsonContext.Default.ErrorBody
        );
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes);
    }

    /// <summary>Reads the whole body into a pooled buffer, refusing more than <paramref name="max"/> bytes.</summary>
    private static async Task<(byte[] Buffer, int Length)> ReadBodyAsync(HttpRequest request, int max)
    {
        if (request.ContentLength > max)
            throw TooLarge(max);
        var reader = request.BodyReader;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await reader.ReadAsync();
            }
            catch (IOException ex)
                when (ex is not BadHttpRequestException && !request.HttpContext.RequestAborted.IsCancellationRequested)
            {
                // Kestrel reports some broken framing as a bare IOException (a chunk size that overflows):
                // it is the client's malformed request all the same.
                throw new BadHttpRequestException(
                    $"The request body is malformed: {ex.Message}",
                    StatusCodes.Status400BadRequest,
                    ex
                );
            }
            var buffer = result.Buffer;
            if (buffer.Length > max)
            {
                reader.AdvanceTo(buffer.End);
                throw TooLarge(max);
            }
            if (result.IsCompleted)
            {
                var array = RentBody((int)buffer.Length);
                buffer.CopyTo(array);
                var len = (int)buffer.Length;
                reader.AdvanceTo(buffer.End);
                return (array, len);
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    // Bodies up to 64 KiB (nearly all) come from the shared pool. Larger ones come from a small pool of their own:
    // the shared pool keeps arrays per thread and per core, and each thread that once read a 1 MiB body would
    // keep a 1 MiB array for good; here at most a few of each size are kept, the rest are left to the GC.
    private const int SmallBody = 64 * 1024;
    private static readonly ArrayPool<byte> LargeBodies = ArrayPool<byte>.Create(
        maxArrayLength: 4 << 20,
        maxArraysPerBucket: 4
    );

    private static byte[] RentBody(int length) =>
        length <= SmallBody ? ArrayPool<byte>.Shared.Rent(Math.Max(1, length)) : LargeBodies.Rent(length);

    private static void ReturnBody(byte[] array)
    {
        if (array.Length <= SmallBody)
            ArrayPool<byte>.Shared.Return(array);
        else
            LargeBodies.Return(array);
    }

    private static ApiException TooLarge(int max) =>
        new(
            ErrorCodes.RequestEntityTooLarge,
            $"The request body is larger than the {max} bytes this API accepts.",
            413
        );
}
