using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Cubicle.Accounts;
using Microsoft.AspNetCore.Http;

namespace Cubicle.Protocol;

/// <summary>
/// Verifies a request's SigV4 signature and answers who made it. Errors are the seed's common errors:
/// MissingAuthenticationToken, IncompleteSignature, InvalidClientTokenId, RequestExpired, and
/// InvalidSignatureException for a signature that does not match.
/// </summary>
public sealed partial class Authenticator(IKeyStore keys, TimeProvider time)
{
    [System.Text.RegularExpressions.GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]+\\z")]
    private static partial System.Text.RegularExpressions.Regex RegionPattern();

    public static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(15);

    /// <summary>Whether the text has the shape of an AWS region name (us-east-1).</summary>
    public static bool IsRegion(string region) => RegionPattern().IsMatch(region);

    private readonly ConcurrentDictionary<
        (string Secret, string Date, string Region, string Service),
        byte[]
    > _signingKeys = new();

    public sealed record Identity(AccessKey Key, string Region, string Service);

    public async ValueTask<Identity> AuthenticateAsync(
        HttpRequest request,
        ReadOnlyMemory<byte> body,
        string expectedService
    )
    {
        var header = request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            if (request.Query.ContainsKey("X-Amz-Signature") || request.Query.ContainsKey("X-Amz-Credential"))
                throw new ApiException(
                    ErrorCodes.IncompleteSignature,
                    "Query-string (presigned) authentication is not supported by this API; sign the "
                        + "Authorization header."
                );
            throw new ApiException(
                ErrorCodes.MissingAuthenticationToken,
                "Missing Authentication Token: the request must be signed with AWS Signature Version 4.",
                403
            );
        }
        var auth = SigV4Authorization.Parse(header);

        var amzDate = request.Headers["X-Amz-Date"].ToString();
        if (string.IsNullOrEmpty(amzDate))
            throw new ApiException(
                ErrorCodes.IncompleteSignature,
                "The request must carry an X-Amz-Date header (YYYYMMDD'T'HHMMSS'Z')."
            );
        if (
            !DateTimeOffset.TryParseExact(
                amzDate,
                "yyyyMMdd'T'HHmmss'Z'",
                CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal,
                out var signedAt
            )
        )
            throw new ApiException(
                ErrorCodes.IncompleteSignature,
                $"X-Amz-Date '{amzDate}' is not in the form YYYYMMDD'T'HHMMSS'Z'."
            );
        if (Array.IndexOf(auth.SignedHeaders, "host") < 0)
            throw new ApiException(ErrorCodes.IncompleteSignature, "SignedHeaders must include 'host'.");
        if (auth.Service != expectedService)
            throw new ApiException(
                ErrorCodes.InvalidSignature,
                $"Credential should be scoped to correct service: '{expectedService}', not '{auth.Service}'."
            );
        if (auth.Date != amzDate[..8])
            throw new ApiException(
                ErrorCodes.InvalidSignature,
                $"Credential should be scoped to a valid date: '{amzDate[..8]}', not '{auth.Date}'."
            );
        if (!RegionPattern().IsMatch(auth.Region))
            throw new ApiException(
                ErrorCodes.InvalidSignature,
                $"Credential should be scoped to a valid region, not '{auth.Region}'."
            );

        var now = time.GetUtcNow();
        if ((now - signedAt).Duration() > MaxSkew)
            throw new ApiException(
                ErrorCodes.RequestExpired,
                "Request has expired or is signed for the future: signature date "
                    + $"{signedAt:yyyyMMdd'T'HHmmss'Z'} is more than 15 minutes from the server's time "
                    + $"{now:yyyyMMdd'T'HHmmss'Z'}."
            );

        if (request.Headers.ContainsKey("X-Amz-Security-Token"))
            throw new ApiException(
                ErrorCodes.InvalidClientTokenId,
                "Cubicle does not issue temporary credentials: requests with X-Amz-Security-Token are "
                    + "refused. Use an access key without a session token.",
                403
            );

        var key =
            await keys.FindAsync(auth.AccessKeyId)
            ?? throw new ApiException(
                ErrorCodes.InvalidClientTokenId,
                "The security token included in the request is invalid: the access key ID does not exist "
                    + "in our records.",
                403
            );

        var bodyHash = SigV4.Hex(SHA256.HashData(body.Span));
        var payloadHash = bodyHash;
        var declared = request.Headers["X-Amz-Content-Sha256"].ToString();
        if (!string.IsNullOrEmpty(declared))
        {
            if (!string.Equals(declared, bodyHash, StringComparison.OrdinalIgnoreCase))
                throw new ApiException(
                    ErrorCodes.InvalidSignature,
                    "The provided x-amz-content-sha256 header does not match the SHA-256 of the request body."
                );
            payloadHash = declared;
        }

        // As AWS requires: every x-amz-* header sent (the action in x-amz-target, the date) is covered by the
        // signature.
        foreach (var (name, _) in request.Headers)
            if (name.StartsWith("x-amz-", StringComparison.OrdinalIgnoreCase) && !IsSigned(auth.SignedHeaders, name))
                throw new ApiException(
                    ErrorCodes.IncompleteSignature,
                    $"SignedHeaders must include '{name.ToLowerInvariant()}'."
                );
        var headers = request.Headers;
        var canonical = SigV4.CanonicalRequest(
            request.Method,
            request.Path.HasValue ? (request.PathBase + request.Path).Value! : "/",
            request.QueryString.Value ?? "",
            name => headers[name],
            auth.SignedHeaders,
            payloadHash
        );
        var stringToSign = SigV4.StringToSign(amzDate, auth.Scope, canonical);
        var signingKey = _signingKeys.GetOrAdd(
            (key.SecretAccessKey, auth.Date, auth.Region, auth.Service),
            k =>
            {
                // Count takes every lock of the dictionary: check it only when a key is added, never per request.
                if (_signingKeys.Count > 10_000)
                    _signingKeys.Clear();
                return SigV4.SigningKey(k.Secret, k.Date, k.Region, k.Service);
            }
        );
        var expected = SigV4.Signature(signingKey, stringToSign);
        if (
            !CryptographicOperations.FixedTimeEquals(
                MemoryMarshal.AsBytes(expected.AsSpan()),
                MemoryMarshal.AsBytes(auth.Signature.AsSpan())
            )
        )
            throw new ApiException(
                ErrorCodes.InvalidSignature,
                "The request signature we calculated does not match the signature you provided. Check "
                    + "your AWS Secret Access Key and signing method."
            );
        return new Identity(key, auth.Region, auth.Service);
    }

    private static bool IsSigned(string[] signedHeaders, string name)
    {
        foreach (var h in signedHeaders)
            if (string.Equals(h, name, StringComparison.OrdinalIgnoreCase))
                return true;
        return false;
    }
}
