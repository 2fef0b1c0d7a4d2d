using System.Collections.Frozen;
using System.Diagnostics;
using System.Text.Json;
using Cubicle.Observability;
using Cubicle.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cubicle.Protocol;

/// <summary>
/// The HTTP entry point of every API call, in both protocols the services speak: awsJson1_1 (POST / with
/// X-Amz-Target "Prefix.Operation") and restJson1 (routed by path). Reads the capped body, authenticates,
/// dispatches, and writes the result or the error in the form every AWS client parses: {"__type": "Code",
/// "message": "..."} with x-amzn-RequestId.
/// </summary>
public sealed partial class ApiEndpoint
{
    private readonly FrozenDictionary<string, (IOperation Operation, ServiceApi Service)> _operations;
    private readonly FrozenDictionary<string, (IOperation Operation, ServiceApi Service)> _restRoutes;

    // Console calls name every operation "Prefix.Operation", restJson1 ones too.
    private readonly FrozenDictionary<string, (IOperation Operation, ServiceApi Service)> _consoleTargets;
    private readonly Authenticator _auth;
    private readonly Throttle _throttle;
    private readonly CubicleOptions _options;
    private readonly ILogger<ApiEndpoint> _log;
    private readonly ICallObserver? _observer;
    private readonly CancellationToken _stopping;
    private readonly CubicleMetrics? _metrics;

    public ApiEndpoint(
        IEnumerable<ServiceApi> services,
        Authenticator auth,
        Throttle throttle,
        CubicleOptions options,
        ILogger<ApiEndpoint> log,
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
        var call = new CallProgress(http.TraceIdentifier, started);
        var response = http.Response;
        response.Headers["x-amzn-RequestId"] = call.RequestId;
        PooledBuffer? output = null;
        ApiException? error = null;
        var closeConnection = false;
        try
        {
            EnsureServable(http.Request);
            var target = TargetOf(http.Request, sessionKey, sessionTarget, out var rest, out var entry);
            call.Body = await RequestBody.ReadAsync(http.Request, _options.MaxBodyBytes);
            var body = call.Body.Memory;
            var known = rest || (sessionKey is null ? _operations : _consoleTargets).TryGetValue(target, out entry);
            if (known)
                (call.Operation, call.Api) = entry; // for the metrics' labels; audited only once authenticated
            var identity = await IdentifyAsync(http.Request, body, call.Api, sessionKey, sessionRegion);
            Admit(identity.Key.AccountId);
            if (!known)
                throw InvalidAction(target);
            var (operation, routed) = entry;
            // After authentication: the signature covers the body as sent.
            if (rest)
                body = RestJson.WithQueryMembers(body, http.Request.Query, routed.QueryMembers);
            var ctx = call.Context = NewCallContext(http, call.RequestId, identity, routed);
            output = new PooledBuffer();
            await operation.InvokeAsync(ctx, body, _observer, output);
            if (_observer is not null && !ctx.Journaled)
                await _observer.OnCallAsync(ctx, operation, body, output.WrittenMemory, null);
            response.StatusCode = 200;
            response.ContentType = routed.IsRestJson ? RestJson.ContentType : AwsJson.ContentType;
            response.ContentLength = output.WrittenCount;
            await response.Body.WriteAsync(output.WrittenMemory);
            Measure(call, null);
            return;
        }
        catch (Exception ex) when (IsAnswerable(ex, http))
        {
            error = ErrorFor(ex, call.Api, call.RequestId, out closeConnection);
        }
        finally
        {
            // A failed call keeps its body for its audit event.
            if (error is null)
                call.Body.Return();
            output?.Dispose();
        }
        if (error is not null)
            await AnswerErrorAsync(http, call, error, closeConnection);
    }

    private void EnsureServable(HttpRequest request)
    {
        if (_stopping.IsCancellationRequested)
            throw new ApiException(
                ErrorCodes.ServiceUnavailable,
                "The service is shutting down. Try again shortly.",
                503
            );
        if (!HttpMethods.IsPost(request.Method))
            throw new ApiException(
                ErrorCodes.MissingAction,
                "WorkSpaces API requests are POST / with an X-Amz-Target header naming the action.",
                400
            );
    }

    /// <summary>
    /// The action the call names: a console session's target, a restJson1 path (then <paramref name="rest"/> is
    /// true and <paramref name="entry"/> its route), or X-Amz-Target.
    /// </summary>
    private string TargetOf(
        HttpRequest request,
        AccessKey? sessionKey,
        string? sessionTarget,
        out bool rest,
        out (IOperation Operation, ServiceApi Service) entry
    )
    {
        // restJson1 services (Directory Service Data) name the action by the path; the others by X-Amz-Target.
        var path = request.Path.Value ?? "/";
        entry = default;
        rest = sessionKey is null && path != "/" && _restRoutes.TryGetValue(path, out entry);
        var target = sessionTarget ?? (rest ? path : request.Headers["X-Amz-Target"].ToString());
        if (string.IsNullOrEmpty(target))
            throw new ApiException(
                ErrorCodes.MissingAction,
                "The request is missing an action: set the "
                    + "X-Amz-Target header, e.g. WorkspacesService.DescribeWorkspaces."
            );
        return target;
    }

    // A console session's key was proven when the session began; any other call proves its key by its signature.
    // A ValueTask, like the authenticator's: a call whose key is cached is identified without waiting or allocating.
    private async ValueTask<Authenticator.Identity> IdentifyAsync(
        HttpRequest request,
        ReadOnlyMemory<byte> body,
        ServiceApi? api,
        AccessKey? sessionKey,
        string? sessionRegion
    )
    {
        if (sessionKey is not null)
            return new Authenticator.Identity(sessionKey, sessionRegion!, api?.SigningName ?? "workspaces");
        try
        {
            return await _auth.AuthenticateAsync(request, body, api?.SigningName ?? "workspaces");
        }
        catch (ApiException ex)
        {
            _metrics?.AuthRefused(ex.Code);
            throw;
        }
    }

    private void Admit(string accountId)
    {
        try
        {
            _throttle.Admit(accountId);
        }
        catch (ApiException)
        {
            _metrics?.Throttled();
            throw;
        }
    }

    private static CallContext NewCallContext(
        HttpContext http,
        string requestId,
        Authenticator.Identity identity,
        ServiceApi service
    ) =>
        new()
        {
            RequestId = requestId,
            AccountId = identity.Key.AccountId,
            Region = identity.Region,
            AccessKeyId = identity.Key.AccessKeyId,
            PrincipalArn = identity.Key.PrincipalArn,
            Policy = identity.Key.Policy,
            UserName = identity.Key.UserName,
            ActionPrefix = service.SigningName,
            SourceIp = http.Connection.RemoteIpAddress?.ToString(),
            UserAgent = http.Request.Headers.UserAgent.ToString(),
        };

    // The failures a call is answered for; anything else only while its client still waits for the answer.
    private static bool IsAnswerable(Exception ex, HttpContext http) =>
        ex is ApiException or StoreConflictException or StoreUnavailableException or BadHttpRequestException
        || !http.RequestAborted.IsCancellationRequested;

    /// <summary>The AWS error a failure is answered with (logged and counted as it warrants).</summary>
    private ApiException ErrorFor(Exception failure, ServiceApi? api, string requestId, out bool closeConnection)
    {
        closeConnection = false;
        switch (failure)
        {
            case ApiException ex:
                return api?.Translate(ex) ?? ex;
            case StoreConflictException ex:
                _log.LogWarning("Request {RequestId}: {Conflict}", requestId, ex.Message);
                return new ApiException(
                    ErrorCodes.OperationInProgress,
                    "Another request changed the same resource at the same moment. Try again."
                );
            case StoreUnavailableException ex:
                _log.LogWarning(ex.InnerException, "Request {RequestId}: store unavailable", requestId);
                _metrics?.DatabaseError();
                return Unavailable();
            case BadHttpRequestException ex:
                // Broken framing (a bad chunk, a body that stalls or trickles): the connection cannot carry another
                // request.
                closeConnection = true;
                return ex.StatusCode switch
                {
                    StatusCodes.Status408RequestTimeout => new ApiException(
                        ErrorCodes.RequestTimeout,
                        "The request body was not received in time.",
                        408
                    ),
                    StatusCodes.Status413PayloadTooLarge => RequestBody.TooLarge(_options.MaxBodyBytes),
                    _ => new ApiException(
                        ErrorCodes.Serialization,
                        $"The request could not be read: {ex.Message}",
                        400
                    ),
                };
            default:
                _log.LogError(failure, "Request {RequestId} failed", requestId);
                return InternalFailure();
        }
    }

    /// <summary>Audits a failed call (if it got as far as an operation), measures it and answers its error.</summary>
    private async Task AnswerErrorAsync(HttpContext http, CallProgress call, ApiException error, bool closeConnection)
    {
        try
        {
            var ctx = call.Context;
            if (_observer is not null && ctx is not null && call.Operation is not null && !ctx.Journaled)
                await _observer.OnCallAsync(ctx, call.Operation, call.Body.Memory, null, error);
        }
        catch (StoreUnavailableException ex)
        {
            _log.LogWarning(ex, "Request {RequestId}: its audit event could not be stored", call.RequestId);
            _metrics?.DatabaseError();
            error = Unavailable();
        }
        catch (Exception ex) when (!http.RequestAborted.IsCancellationRequested)
        {
            // Nothing that goes wrong while recording a failed call may leave its client without an AWS answer.
            _log.LogError(ex, "Request {RequestId}: its audit event could not be recorded", call.RequestId);
            error = InternalFailure();
        }
        finally
        {
            call.Body.Return();
        }
        if (error.Status == 413)
            closeConnection = true; // the unread body cannot be skipped
        if (closeConnection)
            http.Response.Headers.Connection = "close";
        Measure(call, error);
        await WriteErrorAsync(http.Response, error, call.Api?.IsRestJson == true);
    }

    // Labels come from the routing table, never from client text: an unknown action is counted as "(unknown)".
    private void Measure(in CallProgress call, ApiException? error)
    {
        var (service, action) = (call.Api?.SigningName ?? "(unknown)", call.Operation?.Name ?? "(unknown)");
        var elapsed = Stopwatch.GetElapsedTime(call.Started);
        _metrics?.Request(service, action, error?.Code ?? "OK", elapsed.TotalSeconds);
        CubicleTracing.TagCall(service, action, call.RequestId, error?.Code);
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

    private static ApiException InvalidAction(string target) =>
        new(
            ErrorCodes.InvalidAction,
            $"The action {target} is not valid for this endpoint. Verify that the action is typed correctly."
        );

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
}
