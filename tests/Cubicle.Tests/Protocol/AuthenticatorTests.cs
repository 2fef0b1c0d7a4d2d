using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Cubicle.Accounts;
using Cubicle.Domain;
using Cubicle.Protocol;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Cubicle.Tests.Protocol;

/// <summary>
/// A request's SigV4 signature checked as AWS checks it, on a fake clock: what a signed request may carry (a path
/// under a base, a query, an unsigned header that is not x-amz-*, a declared payload hash), each refusal's common
/// error and message, the 15 minutes of skew at their edge, and what the failure throttle counts.
/// </summary>
public sealed class AuthenticatorTests : IDisposable
{
    private const string KeyId = "AKIAIOSFODNN7EXAMPLE";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string Body = "{}";
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 16, 30, 0, TimeSpan.Zero);
    private static readonly AccessKey Key = new(KeyId, Secret, "123456789012", null, false);
    private readonly FakeTimeProvider _clock = new(Now);
    private readonly Authenticator _auth;

    public AuthenticatorTests() => _auth = new Authenticator(new OneKey(), _clock);

    public void Dispose() => _auth.Dispose();

    private sealed class OneKey : IKeyStore
    {
        public string? RootKeyId => null;

        public ValueTask<AccessKey?> FindAsync(string id) => ValueTask.FromResult(id == KeyId ? Key : null);
    }

    /// <summary>Keys with secrets of the given length, each its own.</summary>
    private sealed class ManyKeys(int count, int secretLength) : IKeyStore
    {
        public readonly AccessKey[] Keys =
        [
            .. Enumerable
                .Range(0, count)
                .Select(i => new AccessKey(
                    $"AKIA{i:D16}",
                    $"{i:D4}" + new string('s', secretLength - 4),
                    "123456789012",
                    null,
                    false
                )),
        ];

        public string? RootKeyId => null;

        public ValueTask<AccessKey?> FindAsync(string id) =>
            ValueTask.FromResult(Keys.FirstOrDefault(k => k.AccessKeyId == id));
    }

    /// <summary>An unsigned request of DescribeWorkspaces at <paramref name="at"/> from <paramref name="address"/>.
    /// </summary>
    private static HttpRequest Unsigned(DateTimeOffset at, string address = "192.0.2.1")
    {
        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Parse(address);
        var r = http.Request;
        r.Method = "POST";
        r.Path = "/";
        r.Headers.Host = "127.0.0.1:4566";
        r.Headers.ContentType = "application/x-amz-json-1.1";
        r.Headers["X-Amz-Target"] = "WorkspacesService.DescribeWorkspaces";
        r.Headers["X-Amz-Date"] = at.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        return r;
    }

    /// <summary>Signs the request as a client does: every header it has now (or <paramref name="signed"/>), its path
    /// under its base, its query, and the declared payload hash if there is one, else the body's.</summary>
    private static HttpRequest Sign(
        HttpRequest r,
        string key = KeyId,
        string secret = Secret,
        string[]? signed = null,
        string region = "us-east-1",
        string service = "workspaces",
        string? date = null,
        string body = Body
    )
    {
        var amzDate = r.Headers["X-Amz-Date"].ToString();
        date ??= amzDate[..8];
        signed ??= [.. r.Headers.Keys.Select(k => k.ToLowerInvariant()).Order(StringComparer.Ordinal)];
        var headers = r.Headers.Select(h => (h.Key, h.Value.ToString())).ToList();
        var declared = r.Headers["X-Amz-Content-Sha256"].ToString();
        var hash =
            declared.Length > 0 ? declared : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
        var path = (r.PathBase + r.Path).Value!;
        var canonical = SigV4.CanonicalRequest(r.Method, path, r.QueryString.Value ?? "", headers, signed, hash);
        var scope = $"{date}/{region}/{service}/aws4_request";
        var signature = SigV4.Signature(
            SigV4.SigningKey(secret, date, region, service),
            SigV4.StringToSign(amzDate, scope, canonical)
        );
        r.Headers.Authorization =
            $"AWS4-HMAC-SHA256 Credential={key}/{scope}, SignedHeaders={string.Join(';', signed)}, "
            + $"Signature={signature}";
        return r;
    }

    private static HttpRequest Signed(DateTimeOffset at, string address = "192.0.2.1") => Sign(Unsigned(at, address));

    private static Task<Authenticator.Identity> AuthenticateAsync(
        Authenticator auth,
        HttpRequest r,
        string body = Body,
        string service = "workspaces"
    ) => auth.AuthenticateAsync(r, Encoding.UTF8.GetBytes(body), service).AsTask();

    private Task<ApiException> RefusalAsync(HttpRequest r, string body = Body, string service = "workspaces") =>
        Assert.ThrowsAsync<ApiException>(() => AuthenticateAsync(_auth, r, body, service));

    private static async Task<string> OutcomeAsync(Authenticator auth, HttpRequest r)
    {
        try
        {
            await AuthenticateAsync(auth, r);
            return "OK";
        }
        catch (ApiException ex)
        {
            return ex.Code;
        }
    }

    [SkippableFact]
    public async Task A_good_signature_names_the_key_region_and_service()
    {
        var id = await AuthenticateAsync(_auth, Signed(Now));
        Assert.Same(Key, id.Key);
        Assert.Equal(("us-east-1", "workspaces"), (id.Region, id.Service));

        var options = new CubicleOptions { Regions = AwsRegions.Parse("eu-west-1", out _)! };
        using var auth = new Authenticator(new OneKey(), _clock, options);
        Assert.True(auth.Serves("eu-west-1"));
        Assert.False(auth.Serves("us-east-1"));
        id = await AuthenticateAsync(auth, Sign(Unsigned(Now), region: "eu-west-1"), service: "workspaces");
        Assert.Equal("eu-west-1", id.Region);
    }

    [SkippableFact]
    public async Task The_path_under_its_base_and_the_query_are_signed()
    {
        var r = Unsigned(Now);
        r.PathBase = "/base";
        r.Path = "/a/b";
        r.QueryString = new QueryString("?b=2&a=1");
        await AuthenticateAsync(_auth, Sign(r));

        var other = Sign(Unsigned(Now));
        other.Path = "/a/b";
        Assert.Equal(ErrorCodes.InvalidSignature, (await RefusalAsync(other)).Code);
        var query = Sign(Unsigned(Now));
        query.QueryString = new QueryString("?a=1");
        Assert.Equal(ErrorCodes.InvalidSignature, (await RefusalAsync(query)).Code);
    }

    [SkippableFact]
    public async Task Headers_that_are_not_x_amz_may_go_unsigned_and_host_may_be_signed_first()
    {
        var r = Sign(Unsigned(Now), signed: ["host", "x-amz-date", "x-amz-target"]);
        r.Headers.UserAgent = "aws-cli/2";
        r.Headers.ContentLength = 2;
        await AuthenticateAsync(_auth, r);
    }

    [SkippableTheory]
    [InlineData("X-Amz-Meta", "x-amz-meta")]
    [InlineData("x-amz-user-agent", "x-amz-user-agent")]
    [InlineData("X-AMZ-TARGET-2", "x-amz-target-2")]
    public async Task Every_x_amz_header_sent_must_be_signed(string header, string named)
    {
        var r = Signed(Now);
        r.Headers[header] = "x";
        var ex = await RefusalAsync(r);
        Assert.Equal((ErrorCodes.IncompleteSignature, 400), (ex.Code, ex.Status));
        Assert.Equal($"SignedHeaders must include '{named}'.", ex.Message);
    }

    [SkippableFact]
    public async Task An_unsigned_request_is_a_missing_authentication_token()
    {
        var ex = await RefusalAsync(Unsigned(Now));
        Assert.Equal((ErrorCodes.MissingAuthenticationToken, 403), (ex.Code, ex.Status));
        Assert.Equal(
            "Missing Authentication Token: the request must be signed with AWS Signature Version 4.",
            ex.Message
        );
    }

    [SkippableTheory]
    [InlineData("?X-Amz-Signature=abc")]
    [InlineData("?X-Amz-Credential=abc")]
    [InlineData("?Action=x&X-Amz-Signature=abc")]
    public async Task A_presigned_query_is_refused_as_unsupported(string query)
    {
        var r = Unsigned(Now);
        r.QueryString = new QueryString(query);
        var ex = await RefusalAsync(r);
        Assert.Equal((ErrorCodes.IncompleteSignature, 400), (ex.Code, ex.Status));
        Assert.Equal(
            "Query-string (presigned) authentication is not supported by this API; sign the Authorization header.",
            ex.Message
        );
    }

    [SkippableFact]
    public async Task A_request_without_x_amz_date_is_incomplete()
    {
        var r = Signed(Now);
        r.Headers.Remove("X-Amz-Date");
        var ex = await RefusalAsync(r);
        Assert.Equal((ErrorCodes.IncompleteSignature, 400), (ex.Code, ex.Status));
        Assert.Equal("The request must carry an X-Amz-Date header (YYYYMMDD'T'HHMMSS'Z').", ex.Message);
    }

    [SkippableTheory]
    [InlineData("20261128T163000")]
    [InlineData("2026-11-28T16:30:00Z")]
    [InlineData("20261128 163000Z")]
    [InlineData("Sat, 28 Nov 2026 16:30:00 GMT")]
    public async Task An_x_amz_date_of_another_form_is_incomplete(string date)
    {
        var r = Signed(Now);
        r.Headers["X-Amz-Date"] = date;
        var ex = await RefusalAsync(r);
        Assert.Equal(ErrorCodes.IncompleteSignature, ex.Code);
        Assert.Equal($"X-Amz-Date '{date}' is not in the form YYYYMMDD'T'HHMMSS'Z'.", ex.Message);
    }

    [SkippableFact]
    public async Task Host_must_be_signed()
    {
        var ex = await RefusalAsync(Sign(Unsigned(Now), signed: ["content-type", "x-amz-date", "x-amz-target"]));
        Assert.Equal((ErrorCodes.IncompleteSignature, 400), (ex.Code, ex.Status));
        Assert.Equal("SignedHeaders must include 'host'.", ex.Message);
    }

    [SkippableFact]
    public async Task A_credential_scoped_to_another_service_is_refused()
    {
        var ex = await RefusalAsync(Sign(Unsigned(Now), service: "s3"));
        Assert.Equal((ErrorCodes.InvalidSignature, 400), (ex.Code, ex.Status));
        Assert.Equal("Credential should be scoped to correct service: 'workspaces', not 's3'.", ex.Message);
        // The service expected is the caller's: the same request is good for the service it was signed for.
        await AuthenticateAsync(_auth, Sign(Unsigned(Now), service: "s3"), service: "s3");
    }

    [SkippableFact]
    public async Task A_credential_scoped_to_another_day_than_x_amz_date_is_refused()
    {
        var ex = await RefusalAsync(Sign(Unsigned(Now), date: "20261127"));
        Assert.Equal((ErrorCodes.InvalidSignature, 400), (ex.Code, ex.Status));
        Assert.Equal("Credential should be scoped to a valid date: '20261128', not '20261127'.", ex.Message);
    }

    [SkippableFact]
    public async Task A_credential_scoped_to_a_region_not_served_is_refused()
    {
        var options = new CubicleOptions { Regions = AwsRegions.Parse("eu-west-1", out _)! };
        using var auth = new Authenticator(new OneKey(), _clock, options);
        var ex = await Assert.ThrowsAsync<ApiException>(() => AuthenticateAsync(auth, Signed(Now)));
        Assert.Equal((ErrorCodes.InvalidSignature, 400), (ex.Code, ex.Status));
        Assert.Equal("Credential should be scoped to a valid region, not 'us-east-1'.", ex.Message);
    }

    [SkippableFact]
    public async Task Fifteen_minutes_of_skew_either_way_is_accepted_and_a_second_more_is_not()
    {
        await AuthenticateAsync(_auth, Signed(Now.AddMinutes(-15)));
        await AuthenticateAsync(_auth, Signed(Now.AddMinutes(15)));
        var late = await RefusalAsync(Signed(Now.AddMinutes(-15).AddSeconds(-1)));
        Assert.Equal((ErrorCodes.RequestExpired, 400), (late.Code, late.Status));
        Assert.Equal(
            "Request has expired or is signed for the future: signature date 20261128T161459Z is more than 15 "
                + "minutes from the server's time 20261128T163000Z.",
            late.Message
        );
        var early = await RefusalAsync(Signed(Now.AddMinutes(15).AddSeconds(1)));
        Assert.Equal(ErrorCodes.RequestExpired, early.Code);
        Assert.Contains("signature date 20261128T164501Z", early.Message);
    }

    [SkippableFact]
    public async Task A_session_token_is_refused()
    {
        var r = Unsigned(Now);
        r.Headers["X-Amz-Security-Token"] = "token";
        var ex = await RefusalAsync(Sign(r));
        Assert.Equal((ErrorCodes.InvalidClientTokenId, 403), (ex.Code, ex.Status));
        Assert.Equal(
            "Cubicle does not issue temporary credentials: requests with X-Amz-Security-Token are refused. Use an "
                + "access key without a session token.",
            ex.Message
        );
    }

    [SkippableFact]
    public async Task A_declared_payload_hash_must_be_the_body_s_in_either_case()
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Body)));
        foreach (var declared in new[] { hash, hash.ToUpperInvariant() })
        {
            var r = Unsigned(Now);
            r.Headers["X-Amz-Content-Sha256"] = declared;
            await AuthenticateAsync(_auth, Sign(r));
        }
        var wrong = Unsigned(Now);
        wrong.Headers["X-Amz-Content-Sha256"] = new string('0', 64);
        var ex = await RefusalAsync(Sign(wrong));
        Assert.Equal((ErrorCodes.InvalidSignature, 400), (ex.Code, ex.Status));
        Assert.Equal(
            "The provided x-amz-content-sha256 header does not match the SHA-256 of the request body.",
            ex.Message
        );
    }

    [SkippableFact]
    public async Task A_signature_that_does_not_match_is_refused_the_same_way_for_any_cause()
    {
        const string Message =
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
            + "Access Key and signing method.";
        foreach (
            var (request, body) in new[]
            {
                (Sign(Unsigned(Now), secret: "wrong"), Body),
                (Signed(Now), "{\"Limit\":1}"),
                (Sign(Unsigned(Now), body: "{\"Limit\":1}"), Body),
            }
        )
        {
            var ex = await RefusalAsync(request, body);
            Assert.Equal((ErrorCodes.InvalidSignature, 400, Message), (ex.Code, ex.Status, ex.Message));
        }
    }

    [SkippableFact]
    public async Task An_unknown_key_is_refused_as_unknown_whatever_it_signed()
    {
        foreach (var secret in new[] { Secret, "anything" })
        {
            var ex = await RefusalAsync(Sign(Unsigned(Now), key: "AKIAUNKNOWNUNKNOWN00", secret: secret));
            Assert.Equal((ErrorCodes.InvalidClientTokenId, 403), (ex.Code, ex.Status));
            Assert.Equal(SigV4Authorization.UnknownKey().Message, ex.Message);
        }
    }

    [SkippableFact]
    public async Task A_kept_signing_key_still_tells_a_right_signature_from_a_wrong_one()
    {
        await AuthenticateAsync(_auth, Signed(Now));
        Assert.Equal(1, _auth.SigningKeysKept);
        Assert.Equal(ErrorCodes.InvalidSignature, (await RefusalAsync(Sign(Unsigned(Now), secret: "wrong"))).Code);
        await AuthenticateAsync(_auth, Signed(Now.AddSeconds(1)));
        Assert.Equal(1, _auth.SigningKeysKept);
    }

    [SkippableTheory]
    [InlineData(1_000, true)]
    [InlineData(104_695, false)]
    public async Task The_signing_keys_kept_are_bounded_by_what_they_are_derived_from(int secretLength, bool allKept)
    {
        // Each kept key is charged the cache's overhead, its secret, date, region and service (UTF-16) and its 32
        // bytes. Twenty secrets of 104,695 characters come to just over SigningKeyBytes, so not all are kept (the
        // one that does not fit is refused, and a compaction may free more); charged 32 bytes less each (leaving out
        // the date, the region, the service or the key itself), all twenty would fit.
        const int Count = 20;
        var charged =
            BoundedCache.EntryOverhead
            + 2 * (secretLength + "20261128".Length + "us-east-1".Length + "workspaces".Length)
            + 32;
        Assert.Equal(allKept, Count * charged <= Authenticator.SigningKeyBytes);
        Assert.True(Count * (charged - 32) <= Authenticator.SigningKeyBytes);
        var store = new ManyKeys(Count, secretLength);
        using var auth = new Authenticator(store, _clock);
        foreach (var key in store.Keys)
            await AuthenticateAsync(auth, Sign(Unsigned(Now), key.AccessKeyId, key.SecretAccessKey));
        if (allKept)
            Assert.Equal(Count, auth.SigningKeysKept);
        else
            Assert.InRange(auth.SigningKeysKept, 1, Count - 1);
    }

    [SkippableFact]
    public async Task An_address_past_its_bound_is_refused_before_its_header_is_read()
    {
        using var failures = new AuthFailureThrottle(_clock, perMinute: 1);
        using var auth = new Authenticator(new OneKey(), _clock, null, failures);
        var malformed = Signed(Now);
        malformed.Headers.Authorization = "AWS4-HMAC-SHA256 Credential=x";
        Assert.Equal(ErrorCodes.IncompleteSignature, await OutcomeAsync(auth, malformed));
        Assert.Equal(ErrorCodes.Throttling, await OutcomeAsync(auth, malformed));
        Assert.Equal(ErrorCodes.Throttling, await OutcomeAsync(auth, Signed(Now)));
        Assert.Equal("OK", await OutcomeAsync(auth, Signed(Now, "198.51.100.7")));
    }

    [SkippableFact]
    public async Task A_key_guessed_at_from_many_addresses_is_refused_to_those_that_failed()
    {
        using var failures = new AuthFailureThrottle(_clock, perMinute: 2);
        using var auth = new Authenticator(new OneKey(), _clock, null, failures);
        // One failure from each of two addresses: neither is past the bound, the key id is.
        foreach (var address in new[] { "203.0.113.1", "203.0.113.2" })
            Assert.Equal(
                ErrorCodes.InvalidSignature,
                await OutcomeAsync(auth, Sign(Unsigned(Now, address), secret: "guess"))
            );
        var ex = await Assert.ThrowsAsync<ApiException>(() => AuthenticateAsync(auth, Signed(Now, "203.0.113.1")));
        Assert.Equal(ErrorCodes.Throttling, ex.Code);
        Assert.Contains("for this access key", ex.Message);
        // An address that has not failed is not refused: the key's own client elsewhere.
        Assert.Equal("OK", await OutcomeAsync(auth, Signed(Now, "198.51.100.7")));
    }

    [SkippableFact]
    public async Task Refusals_for_throttling_are_not_counted_as_failures()
    {
        using var failures = new AuthFailureThrottle(_clock, perMinute: 2);
        using var auth = new Authenticator(new OneKey(), _clock, null, failures);
        for (var i = 0; i < 2; i++)
            Assert.Equal(ErrorCodes.InvalidSignature, await OutcomeAsync(auth, Sign(Unsigned(Now), secret: "guess")));
        for (var i = 0; i < 4; i++)
            Assert.Equal(ErrorCodes.Throttling, await OutcomeAsync(auth, Sign(Unsigned(Now), secret: "guess")));
        // The two failures drain in a minute (two a minute); the refusals added nothing to drain.
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("OK", await OutcomeAsync(auth, Signed(_clock.GetUtcNow())));
    }
}
