using System.Net;
using System.Security.Cryptography;
using System.Text;
using Cubicle.Domain;
using Cubicle.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Cubicle.Tests;

/// <summary>What strangers send before they are anyone: key ids and regions refused at the parser, the signing keys
/// kept only once verified, and failed authentications counted per address and key id.</summary>
public sealed class StrangerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 16, 30, 0, TimeSpan.Zero);
    private const string KeyId = "AKIAIOSFODNN7EXAMPLE";
    private readonly FakeTimeProvider _clock = new(Now);

    private sealed class OneKey : IKeyStore
    {
        private static readonly AccessKey Key = new(KeyId, "secret", "000000000000", null, false);

        public string? RootKeyId => "test";

        public ValueTask<AccessKey?> FindAsync(string id) => ValueTask.FromResult(id == KeyId ? Key : null);
    }

    private static string Header(string key, string region = "us-east-1", string signature = "") =>
        $"AWS4-HMAC-SHA256 Credential={key}/20261128/{region}/workspaces/aws4_request, "
        + $"SignedHeaders=host;x-amz-date, Signature={(signature.Length > 0 ? signature : new string('0', 64))}";

    private static HttpRequest Signed(string key, string secret, string region, string address = "192.0.2.1")
    {
        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Parse(address);
        var r = http.Request;
        r.Method = "POST";
        r.Path = "/";
        r.Headers.Host = "127.0.0.1:4566";
        var amzDate = Now.ToString("yyyyMMdd'T'HHmmss'Z'");
        r.Headers["X-Amz-Date"] = amzDate;
        var headers = r.Headers.Select(h => (h.Key, h.Value.ToString())).ToList();
        var hash = Convert.ToHexStringLower(SHA256.HashData("{}"u8));
        var canonical = SigV4.CanonicalRequest("POST", "/", "", headers, ["host", "x-amz-date"], hash);
        var scope = $"{amzDate[..8]}/{region}/workspaces/aws4_request";
        var signingKey = SigV4.SigningKey(secret, amzDate[..8], region, "workspaces");
        var signature = SigV4.Signature(signingKey, SigV4.StringToSign(amzDate, scope, canonical));
        r.Headers.Authorization = Header(key, region, signature);
        return r;
    }

    private static async Task<string> CodeOfAsync(Authenticator auth, HttpRequest request)
    {
        try
        {
            await auth.AuthenticateAsync(request, "{}"u8.ToArray(), "workspaces");
            return "OK";
        }
        catch (ApiException ex)
        {
            return ex.Code;
        }
    }

    [SkippableFact]
    public void Malformed_key_ids_and_regions_are_refused_at_the_parser()
    {
        foreach (var bad in new[] { "AKIA" + new string('X', 20 * 1024), "akiaiosfodnn7example", "AKIA123", "té" })
            Assert.Equal(
                ErrorCodes.InvalidClientTokenId,
                Assert.Throws<ApiException>(() => SigV4Authorization.Parse(Header(bad), "test")).Code
            );
        Assert.Equal("test", SigV4Authorization.Parse(Header("test"), "test").AccessKeyId);
        Assert.Equal(KeyId, SigV4Authorization.Parse(Header(KeyId), null).AccessKeyId);
        foreach (var bad in new[] { "us-" + new string('x', 295) + "-1", "US-EAST-1", "useast1", "us-east-1-" })
        {
            var ex = Assert.Throws<ApiException>(() => SigV4Authorization.Parse(Header(KeyId, bad), null));
            Assert.Equal(ErrorCodes.InvalidSignature, ex.Code);
            Assert.True(ex.Message.Length < 200, ex.Message);
        }
    }

    [SkippableFact]
    public async Task Only_the_regions_served_are_accepted()
    {
        var options = new CubicleOptions { Regions = AwsRegions.Parse("eu-west-1,eu-north-1", out _)! };
        using var auth = new Authenticator(new OneKey(), _clock, options);
        Assert.Equal("OK", await CodeOfAsync(auth, Signed(KeyId, "secret", "eu-west-1")));
        Assert.Equal(ErrorCodes.InvalidSignature, await CodeOfAsync(auth, Signed(KeyId, "secret", "us-east-1")));
        Assert.Null(AwsRegions.Parse("us-east-1,not a region", out var error));
        Assert.Contains("--regions", error);
    }

    [SkippableFact]
    public async Task A_signing_key_is_kept_only_once_it_verified_a_signature()
    {
        using var auth = new Authenticator(new OneKey(), _clock);
        foreach (var region in AwsRegions.Commercial)
            Assert.Equal(ErrorCodes.InvalidSignature, await CodeOfAsync(auth, Signed(KeyId, "wrong", region)));
        Assert.Equal(0, auth.SigningKeysKept);
        Assert.Equal("OK", await CodeOfAsync(auth, Signed(KeyId, "secret", "us-east-1")));
        Assert.Equal(1, auth.SigningKeysKept);
        // An unknown key id is checked against the key of no key (kept once per scope, as a known key's would be).
        Assert.Equal(
            ErrorCodes.InvalidClientTokenId,
            await CodeOfAsync(auth, Signed("AKIAUNKNOWNUNKNOWN00", "secret", "us-east-1"))
        );
        Assert.Equal(2, auth.SigningKeysKept);
    }

    [SkippableFact]
    public async Task Failures_are_throttled_per_address_and_a_valid_client_elsewhere_is_not()
    {
        using var failures = new AuthFailureThrottle(_clock, perMinute: 10);
        using var auth = new Authenticator(new OneKey(), _clock, null, failures);
        for (var i = 0; i < 10; i++)
            Assert.Equal(ErrorCodes.InvalidSignature, await CodeOfAsync(auth, Signed(KeyId, "guess", "us-east-1")));
        // Past the bound the address is refused, even with the right secret.
        Assert.Equal(ErrorCodes.Throttling, await CodeOfAsync(auth, Signed(KeyId, "secret", "us-east-1")));
        // The key's own client elsewhere is not, though the key id is past its bound too.
        Assert.Equal("OK", await CodeOfAsync(auth, Signed(KeyId, "secret", "us-east-1", "198.51.100.7")));
        // An address that failed itself once is refused at that key for a minute...
        Assert.Equal(
            ErrorCodes.InvalidSignature,
            await CodeOfAsync(auth, Signed(KeyId, "guess", "us-east-1", "203.0.113.5"))
        );
        Assert.Equal(
            ErrorCodes.Throttling,
            await CodeOfAsync(auth, Signed(KeyId, "secret", "us-east-1", "203.0.113.5"))
        );
        // ...and the counts drain at the bound a minute.
        _clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("OK", await CodeOfAsync(auth, Signed(KeyId, "secret", "us-east-1")));
        Assert.Equal("OK", await CodeOfAsync(auth, Signed(KeyId, "secret", "us-east-1", "203.0.113.5")));
    }

    [SkippableFact]
    public void An_ipv6_host_is_counted_by_its_network()
    {
        Assert.Equal(
            AuthFailureThrottle.AddressOf(IPAddress.Parse("2001:db8:1:2::1")),
            AuthFailureThrottle.AddressOf(IPAddress.Parse("2001:db8:1:2:ffff::9"))
        );
        Assert.Equal("192.0.2.1", AuthFailureThrottle.AddressOf(IPAddress.Parse("::ffff:192.0.2.1")));
    }
}
