using System.Security.Cryptography;
using System.Text.Json;
using Cubicle.Accounts;
using Cubicle.Protocol;
using Cubicle.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cubicle.Tests;

/// <summary>The HTTP entry point's error mapping: faults become InternalFailure without internals, an
/// unavailable store ServiceUnavailable, both in the form every AWS client parses.</summary>
public sealed class EndpointTests
{
    private static readonly AccessKey Key = new("AKIDTEST", "secret", "000000000000", null, true);

    private sealed class Throws(string name, Exception ex) : IOperation
    {
        public string Name => name;
        public bool ReadOnly => false;

        public Task InvokeAsync(
            CallContext ctx,
            ReadOnlyMemory<byte> body,
            ICallObserver? observer,
            PooledBuffer output
        ) => throw ex;
    }

    private sealed class OneKey : IKeyStore
    {
        public string? RootKeyId => Key.AccessKeyId;

        public ValueTask<AccessKey?> FindAsync(string id) =>
            ValueTask.FromResult<AccessKey?>(id == Key.AccessKeyId ? Key : null);
    }

    private static async Task<(int Status, JsonElement Body, IHeaderDictionary Headers)> CallAsync(string operation)
    {
        var api = new ServiceApi(
            "WorkspacesService",
            "workspaces",
            [
                new Throws("Boom", new InvalidOperationException("secret internal detail at /src/Cubicle")),
                new Throws("Busy", new StoreUnavailableException("db", new IOException("disk"))),
            ]
        );
        var endpoint = new ApiEndpoint(
            [api],
            new Authenticator(new OneKey(), TimeProvider.System),
            new Throttle(TimeProvider.System, 0, 0),
            new CubicleOptions(),
            NullLogger<ApiEndpoint>.Instance
        );
        var http = new DefaultHttpContext();
        var r = http.Request;
        var body = "{}"u8.ToArray();
        r.Method = "POST";
        r.Path = "/";
        r.Headers.Host = "localhost";
        r.Headers["X-Amz-Target"] = "WorkspacesService." + operation;
        var amzDate = DateTimeOffset.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'");
        r.Headers["X-Amz-Date"] = amzDate;
        r.Body = new MemoryStream(body);
        r.ContentLength = body.Length;
        string[] signed = ["host", "x-amz-date", "x-amz-target"];
        var canonical = SigV4.CanonicalRequest(
            "POST",
            "/",
            "",
            r.Headers.Select(h => (h.Key, h.Value.ToString())).ToList(),
            signed,
            Convert.ToHexStringLower(SHA256.HashData(body))
        );
        var scope = $"{amzDate[..8]}/us-east-1/workspaces/aws4_request";
        var sig = SigV4.Signature(
            SigV4.SigningKey("secret", amzDate[..8], "us-east-1", "workspaces"),
            SigV4.StringToSign(amzDate, scope, canonical)
        );
        r.Headers.Authorization =
            $"AWS4-HMAC-SHA256 Credential=AKIDTEST/{scope}, SignedHeaders={string.Join(';', signed)}, Signature={sig}";
        var output = new MemoryStream();
        http.Response.Body = output;
        await endpoint.HandleAsync(http);
        return (http.Response.StatusCode, JsonDocument.Parse(output.ToArray()).RootElement, http.Response.Headers);
    }

    [SkippableFact]
    public async Task A_fault_is_InternalFailure_without_internals()
    {
        var (status, body, headers) = await CallAsync("Boom");
        Assert.Equal(500, status);
        Assert.Equal("InternalFailure", body.GetProperty("__type").GetString());
        Assert.DoesNotContain("secret", body.GetProperty("message").GetString());
        Assert.DoesNotContain("/src", body.ToString());
        Assert.False(string.IsNullOrEmpty(headers["x-amzn-RequestId"]));
        Assert.Equal("application/x-amz-json-1.1", headers.ContentType);
    }

    [SkippableFact]
    public async Task An_unavailable_store_is_ServiceUnavailable()
    {
        var (status, body, _) = await CallAsync("Busy");
        Assert.Equal(503, status);
        Assert.Equal("ServiceUnavailable", body.GetProperty("__type").GetString());
    }

    [SkippableFact]
    public async Task An_unknown_action_is_InvalidAction()
    {
        var (status, body, _) = await CallAsync("Nope");
        Assert.Equal(400, status);
        Assert.Equal("InvalidAction", body.GetProperty("__type").GetString());
    }
}
