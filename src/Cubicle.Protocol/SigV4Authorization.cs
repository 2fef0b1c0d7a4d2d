using System.Text.RegularExpressions;
using Cubicle.Domain;

namespace Cubicle.Protocol;

/// <summary>The parts of an "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..." header.</summary>
public sealed partial record SigV4Authorization(
    string AccessKeyId,
    string Date,
    string Region,
    string Service,
    string[] SignedHeaders,
    string Signature
)
{
    // AWS's access key ids; anything else is refused before it reaches a lookup or a cache.
    [GeneratedRegex("^[A-Z0-9]{16,128}\\z")]
    private static partial Regex KeyIdPattern();

    public string Scope => $"{Date}/{Region}/{Service}/aws4_request";

    /// <summary>
    /// The header's parts. The access key id must be an AWS key id or exactly <paramref name="rootKeyId"/> (the
    /// configured root key may be anything, test in developer mode), and the region a region name.
    /// </summary>
    public static SigV4Authorization Parse(string header, string? rootKeyId)
    {
        const string Algorithm = "AWS4-HMAC-SHA256";
        if (!header.StartsWith(Algorithm + " ", StringComparison.Ordinal))
            throw Incomplete($"Authorization header requires the {Algorithm} algorithm.");
        string? credential = null,
            signedHeaders = null,
            signature = null;
        foreach (var part in header[(Algorithm.Length + 1)..].Split(','))
        {
            var kv = part.Trim();
            var eq = kv.IndexOf('=');
            if (eq <= 0)
                continue;
            var value = kv[(eq + 1)..];
            switch (kv[..eq])
            {
                case "Credential":
                    credential = value;
                    break;
                case "SignedHeaders":
                    signedHeaders = value;
                    break;
                case "Signature":
                    signature = value;
                    break;
            }
        }
        if (credential is null)
            throw Incomplete("Authorization header requires 'Credential' parameter.");
        if (signedHeaders is null)
            throw Incomplete("Authorization header requires 'SignedHeaders' parameter.");
        if (signature is null)
            throw Incomplete("Authorization header requires 'Signature' parameter.");
        var scope = credential.Split('/');
        if (scope.Length != 5 || scope[4] != "aws4_request" || scope[0].Length == 0)
            throw Incomplete(
                $"Credential '{credential}' must have the form ACCESS_KEY/YYYYMMDD/REGION/SERVICE/aws4_request."
            );
        if (signature.Length != 64 || !signature.All(char.IsAsciiHexDigitLower))
            throw Incomplete("Signature must be 64 lower-case hexadecimal characters.");
        if (scope[0] != rootKeyId && !KeyIdPattern().IsMatch(scope[0]))
            throw UnknownKey(); // the answer an unknown key gets: nothing is said about the id's form
        if (!AwsRegions.IsRegionName(scope[2]))
            throw new ApiException(ErrorCodes.InvalidSignature, "Credential should be scoped to a valid region.");
        return new SigV4Authorization(scope[0], scope[1], scope[2], scope[3], signedHeaders.Split(';'), signature);
    }

    /// <summary>The answer to a key id that does not exist (or cannot: a malformed one).</summary>
    public static ApiException UnknownKey() =>
        new(
            ErrorCodes.InvalidClientTokenId,
            "The security token included in the request is invalid: the access key ID does not exist in our records.",
            403
        );

    private static ApiException Incomplete(string message) => new(ErrorCodes.IncompleteSignature, message);
}
