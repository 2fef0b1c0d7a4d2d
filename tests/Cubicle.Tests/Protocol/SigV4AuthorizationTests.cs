using Cubicle.Domain;
using Cubicle.Protocol;

namespace Cubicle.Tests.Protocol;

/// <summary>
/// The Authorization header as SigV4 clients send it: its parts in any order and spacing, and each malformed header
/// refused with the common error and a message that names what is wrong (an unknown-shaped key id says nothing of
/// its form).
/// </summary>
public sealed class SigV4AuthorizationTests
{
    private const string KeyId = "AKIAIOSFODNN7EXAMPLE";
    private const string Scope = "20261128/us-east-1/workspaces/aws4_request";
    private static readonly string Sig = string.Concat(Enumerable.Repeat("0123456789abcdef", 4));

    private static string Header(
        string credential = KeyId + "/" + Scope,
        string signedHeaders = "content-type;host;x-amz-date",
        string? signature = null
    ) => $"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders={signedHeaders}, Signature={signature ?? Sig}";

    private static ApiException Refusal(string header, string? rootKeyId = null) =>
        Assert.Throws<ApiException>(() => SigV4Authorization.Parse(header, rootKeyId));

    [SkippableFact]
    public void A_header_s_parts_are_the_key_id_scope_signed_headers_and_signature()
    {
        var auth = SigV4Authorization.Parse(Header(), null);
        Assert.Equal(KeyId, auth.AccessKeyId);
        Assert.Equal("20261128", auth.Date);
        Assert.Equal("us-east-1", auth.Region);
        Assert.Equal("workspaces", auth.Service);
        Assert.Equal(new[] { "content-type", "host", "x-amz-date" }, auth.SignedHeaders);
        Assert.Equal(Sig, auth.Signature);
        Assert.Equal(Scope, auth.Scope);
    }

    [SkippableFact]
    public void Parts_may_come_in_any_order_spaced_and_among_others()
    {
        var auth = SigV4Authorization.Parse(
            $"AWS4-HMAC-SHA256 Signature={Sig} ,stray, =x,Other=y,  SignedHeaders=host , Credential={KeyId}/{Scope}",
            null
        );
        Assert.Equal(
            (KeyId, "us-east-1", "workspaces", Sig),
            (auth.AccessKeyId, auth.Region, auth.Service, auth.Signature)
        );
        Assert.Equal(new[] { "host" }, auth.SignedHeaders);
    }

    [SkippableTheory]
    [InlineData("Basic")]
    [InlineData("aws4-hmac-sha256")]
    [InlineData("AWS4-HMAC-SHA512")]
    [InlineData("AWS4-HMAC-SHA256X")]
    [InlineData("AWS4-HMAC-SHA256,")]
    public void Another_algorithm_is_an_incomplete_signature(string algorithm)
    {
        var ex = Refusal(Header().Replace("AWS4-HMAC-SHA256", algorithm, StringComparison.Ordinal));
        Assert.Equal((ErrorCodes.IncompleteSignature, 400), (ex.Code, ex.Status));
        Assert.Equal("Authorization header requires the AWS4-HMAC-SHA256 algorithm.", ex.Message);
    }

    [SkippableTheory]
    [InlineData("")]
    [InlineData("AWS4-HMAC-SHA256")]
    [InlineData("Basic dXNlcjpwYXNz")]
    public void A_header_of_no_parts_is_an_incomplete_signature(string header) =>
        Assert.Equal("Authorization header requires the AWS4-HMAC-SHA256 algorithm.", Refusal(header).Message);

    [SkippableTheory]
    [InlineData("Credential")]
    [InlineData("SignedHeaders")]
    [InlineData("Signature")]
    public void A_missing_part_is_named(string part)
    {
        var parts = new Dictionary<string, string>
        {
            ["Credential"] = $"{KeyId}/{Scope}",
            ["SignedHeaders"] = "host",
            ["Signature"] = Sig,
        };
        parts.Remove(part);
        var ex = Refusal("AWS4-HMAC-SHA256 " + string.Join(", ", parts.Select(p => $"{p.Key}={p.Value}")));
        Assert.Equal(ErrorCodes.IncompleteSignature, ex.Code);
        Assert.Equal($"Authorization header requires '{part}' parameter.", ex.Message);
    }

    [SkippableTheory]
    [InlineData(KeyId + "/20261128/us-east-1/workspaces")]
    [InlineData(KeyId + "/20261128/us-east-1/workspaces/aws4_request/more")]
    [InlineData(KeyId + "/20261128/us-east-1/workspaces/aws4_requesT")]
    [InlineData(KeyId + "/20261128/us-east-1/workspaces/")]
    [InlineData("/20261128/us-east-1/workspaces/aws4_request")]
    [InlineData(KeyId)]
    public void A_credential_not_of_five_parts_ending_in_aws4_request_is_incomplete(string credential)
    {
        var ex = Refusal(Header(credential));
        Assert.Equal(ErrorCodes.IncompleteSignature, ex.Code);
        Assert.Equal(
            $"Credential '{credential}' must have the form ACCESS_KEY/YYYYMMDD/REGION/SERVICE/aws4_request.",
            ex.Message
        );
    }

    [SkippableFact]
    public void An_empty_key_id_is_incomplete_even_where_the_root_key_id_is_empty()
    {
        var ex = Refusal(Header("/" + Scope), rootKeyId: "");
        Assert.Equal(ErrorCodes.IncompleteSignature, ex.Code);
    }

    [SkippableTheory]
    [InlineData(63)]
    [InlineData(65)]
    [InlineData(0)]
    public void A_signature_of_another_length_is_incomplete(int length)
    {
        var ex = Refusal(Header(signature: new string('a', length)));
        Assert.Equal(ErrorCodes.IncompleteSignature, ex.Code);
        Assert.Equal("Signature must be 64 lower-case hexadecimal characters.", ex.Message);
    }

    [SkippableTheory]
    [InlineData("A")]
    [InlineData("g")]
    [InlineData(" ")]
    public void A_signature_with_a_character_that_is_not_lower_case_hex_is_incomplete(string odd)
    {
        var ex = Refusal(Header(signature: Sig[..63] + odd));
        Assert.Equal(ErrorCodes.IncompleteSignature, ex.Code);
        Assert.Equal("Signature must be 64 lower-case hexadecimal characters.", ex.Message);
    }

    [SkippableTheory]
    [InlineData(null)]
    [InlineData("test")]
    public void An_aws_key_id_is_taken_whatever_the_root_key_id(string? root) =>
        Assert.Equal(KeyId, SigV4Authorization.Parse(Header(), root).AccessKeyId);

    [SkippableFact]
    public void The_root_key_id_is_taken_as_configured_and_only_when_configured()
    {
        Assert.Equal("test", SigV4Authorization.Parse(Header("test/" + Scope), "test").AccessKeyId);
        var ex = Refusal(Header("test/" + Scope), rootKeyId: null);
        Assert.Equal((ErrorCodes.InvalidClientTokenId, 403), (ex.Code, ex.Status));
        Assert.Equal(SigV4Authorization.UnknownKey().Message, ex.Message);
    }

    [SkippableTheory]
    [InlineData("AKIA12345678901")] // 15 characters
    [InlineData("akiaiosfodnn7example")]
    [InlineData("AKIA-OSFODNN7EXAMPLE")]
    public void A_key_id_not_of_aws_s_form_is_an_unknown_key(string keyId)
    {
        var ex = Refusal(Header($"{keyId}/{Scope}"), rootKeyId: "test");
        Assert.Equal((ErrorCodes.InvalidClientTokenId, 403), (ex.Code, ex.Status));
        Assert.Equal(
            "The security token included in the request is invalid: the access key ID does not exist in our records.",
            ex.Message
        );
    }

    [SkippableFact]
    public void An_unknown_key_is_refused_as_aws_refuses_it()
    {
        var ex = SigV4Authorization.UnknownKey();
        Assert.Equal((ErrorCodes.InvalidClientTokenId, 403), (ex.Code, ex.Status));
        Assert.Equal(
            "The security token included in the request is invalid: the access key ID does not exist in our records.",
            ex.Message
        );
    }

    [SkippableTheory]
    [InlineData("US-EAST-1")]
    [InlineData("useast1")]
    [InlineData("us-east-")]
    [InlineData("")]
    public void A_region_that_is_not_a_region_name_is_refused(string region)
    {
        var ex = Refusal(Header($"{KeyId}/20261128/{region}/workspaces/aws4_request"));
        Assert.Equal((ErrorCodes.InvalidSignature, 400), (ex.Code, ex.Status));
        Assert.Equal("Credential should be scoped to a valid region.", ex.Message);
    }

    [SkippableFact]
    public void Region_names_are_taken_up_to_their_longest()
    {
        var longest = "ab-" + new string('x', AwsRegions.MaxRegionLength - 5) + "-1";
        Assert.Equal(AwsRegions.MaxRegionLength, longest.Length);
        Assert.True(AwsRegions.IsRegionName(longest));
        Assert.Equal(
            longest,
            SigV4Authorization.Parse(Header($"{KeyId}/20261128/{longest}/workspaces/aws4_request"), null).Region
        );
        Assert.False(AwsRegions.IsRegionName("ab-" + new string('x', AwsRegions.MaxRegionLength - 4) + "-1"));
        Assert.True(AwsRegions.IsRegionName("us-east-1"));
        Assert.True(AwsRegions.IsRegionName("us-gov-west-1"));
        Assert.False(AwsRegions.IsRegionName("us-east-1234"));
    }
}
