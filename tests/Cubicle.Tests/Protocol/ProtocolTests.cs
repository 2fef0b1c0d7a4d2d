using System.Security.Cryptography;
using System.Text;
using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Cubicle.Tests;

public sealed class SigV4Tests
{
    // AWS's published Signature Version 4 test suite (aws-sig-v4-test-suite): credentials, date and scope.
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string Date = "20150830T123600Z";
    private const string EmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    [SkippableTheory]
    [InlineData("get-vanilla", "GET", "/", "", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")]
    [InlineData("post-vanilla", "POST", "/", "", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")]
    [InlineData(
        "get-vanilla-query-order-key-case",
        "GET",
        "/",
        "?Param2=value2&Param1=value1",
        "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
    )]
    [InlineData(
        "post-vanilla-empty-query-value",
        "POST",
        "/",
        "?Param1=value1",
        "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"
    )]
    [InlineData(
        "get-space",
        "GET",
        "/example space/",
        "",
        "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"
    )]
    [InlineData(
        "get-slashes",
        "GET",
        "//example//",
        "",
        "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"
    )]
    [InlineData(
        "get-slash-pointless-dot",
        "GET",
        "/./example",
        "",
        "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5"
    )]
    public void Matches_the_published_test_vectors(
        string name,
        string method,
        string path,
        string query,
        string signature
    )
    {
        var headers = new List<(string, string)> { ("Host", "example.amazonaws.com"), ("X-Amz-Date", Date) };
        var canonical = SigV4.CanonicalRequest(method, path, query, headers, ["host", "x-amz-date"], EmptyHash);
        var toSign = SigV4.StringToSign(Date, "20150830/us-east-1/service/aws4_request", canonical);
        var key = SigV4.SigningKey(Secret, "20150830", "us-east-1", "service");
        Assert.True(signature == SigV4.Signature(key, toSign), name);
    }

    [SkippableFact]
    public void Header_values_are_trimmed_and_folded()
    {
        Assert.Equal("a b c", SigV4.TrimAll("  a   b c "));
    }
}

public sealed class AuthenticatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 16, 30, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Now);
    private readonly Authenticator _auth;

    public AuthenticatorTests()
    {
        _auth = new Authenticator(new OneKey(new AccessKey("AKIDTEST", "secret", "000000000000", null, true)), _clock);
    }

    private static HttpRequest Signed(
        string body,
        DateTimeOffset at,
        string key = "AKIDTEST",
        string secret = "secret",
        Action<HttpRequest>? tweak = null,
        string[]? signedHeaders = null
    )
    {
        var http = new DefaultHttpContext();
        var r = http.Request;
        r.Method = "POST";
        r.Path = "/";
        r.Headers.Host = "127.0.0.1:4566";
        r.Headers.ContentType = "application/x-amz-json-1.1";
        r.Headers["X-Amz-Target"] = "WorkspacesService.DescribeWorkspaces";
        var amzDate = at.ToString("yyyyMMdd'T'HHmmss'Z'");
        r.Headers["X-Amz-Date"] = amzDate;
        var signed = signedHeaders ?? ["content-type", "host", "x-amz-date", "x-amz-target"];
        var headers = r.Headers.Select(h => (h.Key, h.Value.ToString())).ToList();
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
        var canonical = SigV4.CanonicalRequest("POST", "/", "", headers, signed, hash);
        var scope = $"{amzDate[..8]}/us-east-1/workspaces/aws4_request";
        var sig = SigV4.Signature(
            SigV4.SigningKey(secret, amzDate[..8], "us-east-1", "workspaces"),
            SigV4.StringToSign(amzDate, scope, canonical)
        );
        r.Headers.Authorization =
            $"AWS4-HMAC-SHA256 Credential={key}/{scope}, SignedHeaders={string.Join(';', signed)}, Signature={sig}";
        tweak?.Invoke(r);
        return r;
    }

    private ApiException Fails(HttpRequest r, string body = "{}") =>
        Assert
            .ThrowsAsync<ApiException>(async () =>
                await _auth.AuthenticateAsync(r, Encoding.UTF8.GetBytes(body), "workspaces")
            )
            .GetAwaiter()
            .GetResult();

    private void Passes(HttpRequest r) =>
        _auth.AuthenticateAsync(r, "{}"u8.ToArray(), "workspaces").AsTask().GetAwaiter().GetResult();

    [SkippableFact]
    public async Task A_good_signature_names_the_account_and_region()
    {
        var id = await _auth.AuthenticateAsync(Signed("{}", Now), "{}"u8.ToArray(), "workspaces");
        Assert.Equal(("000000000000", "us-east-1"), (id.Key.AccountId, id.Region));
    }

    [SkippableFact]
    public void Each_failure_gets_its_common_error()
    {
        Assert.Equal(
            (ErrorCodes.MissingAuthenticationToken, 403),
            Code(Fails(Signed("{}", Now, tweak: r => r.Headers.Remove("Authorization"))))
        );
        Assert.Equal(
            (ErrorCodes.IncompleteSignature, 400),
            Code(Fails(Signed("{}", Now, tweak: r => r.Headers.Authorization = "AWS4-HMAC-SHA256 Credential=x")))
        );
        Assert.Equal(
            (ErrorCodes.IncompleteSignature, 400),
            Code(Fails(Signed("{}", Now, tweak: r => r.Headers.Authorization = "Basic dXNlcjpwYXNz")))
        );
        Assert.Equal((ErrorCodes.InvalidClientTokenId, 403), Code(Fails(Signed("{}", Now, key: "AKIDOTHER"))));
        Assert.Equal((ErrorCodes.InvalidSignature, 400), Code(Fails(Signed("{}", Now, secret: "nope"))));
        Assert.Equal((ErrorCodes.InvalidSignature, 400), Code(Fails(Signed("{}", Now), body: "{\"Limit\":1}")));
        Assert.Equal((ErrorCodes.RequestExpired, 400), Code(Fails(Signed("{}", Now.AddMinutes(-16)))));
        Assert.Equal((ErrorCodes.RequestExpired, 400), Code(Fails(Signed("{}", Now.AddMinutes(16)))));
        Assert.Equal(
            (ErrorCodes.InvalidClientTokenId, 403),
            Code(Fails(Signed("{}", Now, tweak: r => r.Headers["X-Amz-Security-Token"] = "token")))
        );
        Assert.Equal(
            (ErrorCodes.InvalidSignature, 400),
            Code(Fails(Signed("{}", Now, tweak: r => r.Headers["X-Amz-Content-Sha256"] = new string('0', 64))))
        );
        // Every x-amz-* header must be signed: an action swapped into an unsigned X-Amz-Target is refused.
        Assert.Equal(
            (ErrorCodes.IncompleteSignature, 400),
            Code(Fails(Signed("{}", Now, tweak: r => r.Headers["X-Amz-Meta"] = "x")))
        );
        Assert.Equal(
            (ErrorCodes.IncompleteSignature, 400),
            Code(Fails(Signed("{}", Now, signedHeaders: ["content-type", "host", "x-amz-date"])))
        );
    }

    [SkippableFact]
    public void Fourteen_minutes_of_skew_either_way_is_accepted()
    {
        Passes(Signed("{}", Now.AddMinutes(-14)));
        Passes(Signed("{}", Now.AddMinutes(14)));
    }

    private static (string, int) Code(ApiException ex) => (ex.Code, ex.Status);

    private sealed class OneKey(AccessKey key) : IKeyStore
    {
        public string? RootKeyId => key.IsRoot ? key.AccessKeyId : null;

        public ValueTask<AccessKey?> FindAsync(string id) => ValueTask.FromResult(id == key.AccessKeyId ? key : null);
    }
}

public sealed class PageTokenTests
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UnixEpoch.AddYears(56));

    [SkippableFact]
    public void Round_trips_and_fits_the_seed_length()
    {
        var tokens = new PageTokens(new byte[32], _clock);
        var t = tokens.Issue(PageTokens.Hash("DescribeWorkspaces", "a"), 12345);
        Assert.InRange(t.Length, 1, 63);
        Assert.Equal(12345, tokens.Read(t, PageTokens.Hash("DescribeWorkspaces", "a")));
    }

    [SkippableFact]
    public void Rejects_tampered_foreign_and_expired_tokens()
    {
        var tokens = new PageTokens(new byte[32], _clock);
        var hash = PageTokens.Hash("DescribeWorkspaces", "a");
        var t = tokens.Issue(hash, 7);
        Assert.Throws<ApiException>(() => tokens.Read(t[..^1] + (t[^1] == 'A' ? 'B' : 'A'), hash));
        Assert.Throws<ApiException>(() => tokens.Read(t, PageTokens.Hash("DescribeWorkspaces", "b")));
        Assert.Throws<ApiException>(() => new PageTokens(new byte[] { 1 }, _clock).Read(t, hash));
        Assert.Throws<ApiException>(() => tokens.Read("!!!", hash));
        _clock.Advance(TimeSpan.FromHours(23));
        Assert.Equal(7, tokens.Read(t, hash));
        _clock.Advance(TimeSpan.FromHours(2));
        var ex = Assert.Throws<ApiException>(() => tokens.Read(t, hash));
        Assert.Contains("expired", ex.Message);
    }
}

public sealed class AwsJsonTests
{
    [SkippableFact]
    public void Empty_body_is_an_empty_request() =>
        Assert.Null(AwsJson.Read(""u8, ApiJsonContext.Default.DescribeWorkspacesRequest).Limit);

    [SkippableFact]
    public void Unknown_members_are_ignored() =>
        Assert.Equal(
            3,
            AwsJson
                .Read("""{"Limit":3,"Future":{"a":[1,2]}}"""u8, ApiJsonContext.Default.DescribeWorkspacesRequest)
                .Limit
        );

    [SkippableFact]
    public void Malformed_json_is_a_serialization_error()
    {
        var ex = Assert.Throws<ApiException>(() =>
            AwsJson.Read("{\"Limit\":"u8, ApiJsonContext.Default.DescribeWorkspacesRequest)
        );
        Assert.Equal(ErrorCodes.Serialization, ex.Code);
        ex = Assert.Throws<ApiException>(() => AwsJson.Read("[]"u8, ApiJsonContext.Default.DescribeWorkspacesRequest));
        Assert.Equal(ErrorCodes.Serialization, ex.Code);
    }

    [SkippableFact]
    public void A_wrong_type_names_the_member()
    {
        var ex = Assert.Throws<ApiException>(() =>
            AwsJson.Read(
                """{"Workspaces":[{"UserName":"a"},{"UserName":7}]}"""u8,
                ApiJsonContext.Default.CreateWorkspacesRequest
            )
        );
        Assert.Equal(ErrorCodes.InvalidParameterValues, ex.Code);
        Assert.Contains("Workspaces[1].UserName", ex.Message);
    }
}

public sealed class ValidateTests
{
    [SkippableTheory]
    [InlineData("ws-abcdefgh1", true)]
    [InlineData("ws-abc", false)]
    [InlineData("ws-ABCDEFGH1", false)]
    [InlineData("wsb-abcdefgh1", false)]
    public void Workspace_ids(string id, bool ok) => Assert.Equal(ok, Validate.WorkspaceIdPattern().IsMatch(id));

    [SkippableTheory]
    [InlineData("d-926722edaf", true)]
    [InlineData("wsd-abcdefgh1", true)]
    [InlineData("d-92672", false)]
    [InlineData("d-92672XEDAF", false)]
    public void Directory_ids(string id, bool ok) => Assert.Equal(ok, Validate.DirectoryIdPattern().IsMatch(id));

    [SkippableFact]
    public void Messages_name_the_member()
    {
        var ex = Assert.Throws<ApiException>(() =>
            Validate.Count(new List<string> { "a", "b" }, 1, 1, "RebuildWorkspaceRequests")
        );
        Assert.Contains("RebuildWorkspaceRequests", ex.Message);
        ex = Assert.Throws<ApiException>(() => Validate.Range(26, 1, 25, "Limit"));
        Assert.Contains("Limit", ex.Message);
        ex = Assert.Throws<ApiException>(() => WorkspaceRules.Tags([new Tag { Key = "aws:x", Value = "" }], "Tags"));
        Assert.Contains("Tags[0].Key", ex.Message);
        ex = Assert.Throws<ApiException>(() =>
            WorkspaceRules.Properties(
                new WorkspaceProperties { RunningModeAutoStopTimeoutInMinutes = 30 },
                "WorkspaceProperties"
            )
        );
        Assert.Contains("WorkspaceProperties.RunningModeAutoStopTimeoutInMinutes", ex.Message);
        Assert.Equal(ErrorCodes.InvalidParameterValues, ex.Code);
    }
}
