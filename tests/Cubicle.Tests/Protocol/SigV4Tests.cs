using System.Security.Cryptography;
using System.Text;
using Cubicle.Protocol;
using Microsoft.Extensions.Primitives;

namespace Cubicle.Tests.Protocol;

/// <summary>
/// Signature Version 4 as clients compute it: AWS's published test suite (aws-sig-v4-test-suite: the credentials of
/// the AWS documentation, signed at 20150830T123600Z in us-east-1 for "service"), the IAM example of the
/// documentation step by step, and the canonical forms of paths, queries and header values at their edges.
/// </summary>
public sealed class SigV4Tests
{
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string Date = "20150830T123600Z";
    private const string EmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private const string Vanilla = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
    private const string Unreserved = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>The suite's signature of a request to example.amazonaws.com, with its extra headers
    /// ("Name:value|Name:value", in the order sent), signing host, x-amz-date and the extra headers' names.</summary>
    private static string Sign(string method, string path, string query, string extra = "", string body = "")
    {
        var headers = new List<(string Name, string Value)> { ("Host", "example.amazonaws.com"), ("X-Amz-Date", Date) };
        foreach (var h in extra.Split('|', StringSplitOptions.RemoveEmptyEntries))
            headers.Add((h[..h.IndexOf(':')], h[(h.IndexOf(':') + 1)..]));
        var signed = headers.Select(h => h.Name.ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
        var canonical = SigV4.CanonicalRequest(method, path, query, headers, [.. signed], hash);
        var toSign = SigV4.StringToSign(Date, "20150830/us-east-1/service/aws4_request", canonical);
        return SigV4.Signature(SigV4.SigningKey(Secret, "20150830", "us-east-1", "service"), toSign);
    }

    [SkippableTheory]
    [InlineData("get-vanilla-empty-path", "GET", "", "", "", Vanilla)]
    [InlineData("get-relative", "GET", "/example/..", "", "", Vanilla)]
    [InlineData("get-relative-relative", "GET", "/example1/example2/../..", "", "", Vanilla)]
    [InlineData("get-slash-dot-slash", "GET", "/./", "", "", Vanilla)]
    [InlineData(
        "get-unreserved",
        "GET",
        "/" + Unreserved,
        "",
        "",
        "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"
    )]
    [InlineData(
        "get-vanilla-query",
        "GET",
        "/",
        "?Param1=value1",
        "",
        "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"
    )]
    [InlineData(
        "get-vanilla-query-order-key",
        "GET",
        "/",
        "?Param1=value2&Param1=value1",
        "",
        "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"
    )]
    [InlineData(
        "get-vanilla-query-order-value",
        "GET",
        "/",
        "?Param1=value2&Param1=Value1",
        "",
        "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1"
    )]
    [InlineData(
        "get-vanilla-query-unreserved",
        "GET",
        "/",
        "?" + Unreserved + "=" + Unreserved,
        "",
        "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"
    )]
    [InlineData(
        "get-vanilla-utf8-query",
        "GET",
        "/",
        "?%E1%88%B4=bar",
        "",
        "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"
    )]
    [InlineData(
        "get-header-value-trim",
        "GET",
        "/",
        "",
        "My-Header1: value1|My-Header2: \"a   b   c\"",
        "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"
    )]
    [InlineData(
        "get-header-key-duplicate",
        "GET",
        "/",
        "",
        "My-Header1:value2|My-Header1:value2|My-Header1:value1",
        "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"
    )]
    [InlineData(
        "get-header-value-order",
        "GET",
        "/",
        "",
        "My-Header1:value4|My-Header1:value1|My-Header1:value3|My-Header1:value2",
        "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"
    )]
    [InlineData(
        "post-header-key-sort",
        "POST",
        "/",
        "",
        "My-Header1:value1",
        "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"
    )]
    [InlineData(
        "post-header-value-case",
        "POST",
        "/",
        "",
        "My-Header1:VALUE1",
        "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"
    )]
    public void Matches_the_published_test_suite(
        string name,
        string method,
        string path,
        string query,
        string headers,
        string signature
    ) => Assert.True(signature == Sign(method, path, query, headers), name);

    [SkippableFact]
    public void Matches_the_suite_s_form_post_whose_body_is_signed() =>
        Assert.Equal(
            "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
            Sign("POST", "/", "", "Content-Type:application/x-www-form-urlencoded", body: "Param1=value1")
        );

    [SkippableFact]
    public void Matches_the_documentation_s_iam_example_at_every_step()
    {
        List<(string, string)> headers =
        [
            ("Host", "iam.amazonaws.com"),
            ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
            ("X-Amz-Date", Date),
        ];
        string[] signed = ["content-type", "host", "x-amz-date"];
        var canonical = SigV4.CanonicalRequest(
            "GET",
            "/",
            "?Version=2010-05-08&Action=ListUsers",
            headers,
            signed,
            EmptyHash
        );
        Assert.Equal(
            "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
                + "content-type:application/x-www-form-urlencoded; charset=utf-8\nhost:iam.amazonaws.com\n"
                + $"x-amz-date:{Date}\n\ncontent-type;host;x-amz-date\n{EmptyHash}",
            canonical
        );
        var toSign = SigV4.StringToSign(Date, "20150830/us-east-1/iam/aws4_request", canonical);
        Assert.Equal(
            $"AWS4-HMAC-SHA256\n{Date}\n20150830/us-east-1/iam/aws4_request\n"
                + "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59",
            toSign
        );
        var key = SigV4.SigningKey(Secret, "20150830", "us-east-1", "iam");
        Assert.Equal("5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7", SigV4.Signature(key, toSign));
    }

    [SkippableFact]
    public void Derives_the_documentation_s_signing_key() =>
        Assert.Equal(
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d",
            SigV4.Hex(SigV4.SigningKey(Secret, "20120215", "us-east-1", "iam"))
        );

    [SkippableFact]
    public void A_signed_header_sent_without_a_value_is_signed_empty()
    {
        var canonical = SigV4.CanonicalRequest(
            "POST",
            "/",
            "",
            name => name == "x-amz-date" ? new StringValues(Date) : new StringValues(new string?[] { null }),
            ["host", "x-amz-date"],
            EmptyHash
        );
        Assert.Equal($"POST\n/\n\nhost:\nx-amz-date:{Date}\n\nhost;x-amz-date\n{EmptyHash}", canonical);
    }

    [SkippableTheory]
    [InlineData("", "/")]
    [InlineData("/", "/")]
    [InlineData("//", "/")]
    [InlineData("/..", "/")]
    [InlineData("/../a", "/a")]
    [InlineData("/a/../..", "/")]
    [InlineData("/a/b/../", "/a/")]
    [InlineData("/a/./b", "/a/b")]
    [InlineData("/a%20b/c d", "/a%20b/c%20d")]
    [InlineData("/a%2Fb", "/a%2Fb")]
    [InlineData("/\u1234", "/%E1%88%B4")]
    public void Paths_are_normalised_then_encoded(string path, string canonical) =>
        Assert.Equal(canonical, SigV4.CanonicalPath(path));

    [SkippableTheory]
    [InlineData("", "")]
    [InlineData("?", "")]
    [InlineData("?b=2&a=1", "a=1&b=2")]
    [InlineData("a=2&a=10&a=1", "a=1&a=10&a=2")]
    [InlineData("Param1&b=", "Param1=&b=")]
    [InlineData("=x&a=", "=x&a=")]
    [InlineData("a=1&&b=2&", "a=1&b=2")]
    [InlineData("a=b+c&a=b", "a=b&a=b%20c")]
    [InlineData("k%3D=v%26w", "k%3D=v%26w")]
    public void Queries_are_sorted_by_name_then_value_and_encoded(string query, string canonical) =>
        Assert.Equal(canonical, SigV4.CanonicalQuery(query));

    [SkippableTheory]
    [InlineData("-_.~azAZ09", "-_.~azAZ09")]
    [InlineData("a b", "a%20b")]
    [InlineData("/*+=&:@!", "%2F%2A%2B%3D%26%3A%40%21")]
    [InlineData("\u00e9", "%C3%A9")]
    public void Only_unreserved_characters_are_left_unencoded(string value, string encoded) =>
        Assert.Equal(encoded, SigV4.UriEncode(value));

    [SkippableTheory]
    [InlineData("value", "value")]
    [InlineData("  a   b c ", "a b c")]
    [InlineData("\ta  b\t", "a b")]
    [InlineData("a b  ", "a b")]
    public void Header_values_are_trimmed_and_runs_of_spaces_folded(string value, string canonical) =>
        Assert.Equal(canonical, SigV4.TrimAll(value));
}
