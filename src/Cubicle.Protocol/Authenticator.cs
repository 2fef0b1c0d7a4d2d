using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace Cubicle.Protocol;

/// <summary>
/// Verifies a request's SigV4 signature and answers who made it. Errors are the seed's common errors:
/// MissingAuthenticationToken, IncompleteSignature, InvalidClientTokenId, RequestExpired, and
/// InvalidSignatureException for a signature that does not match (or a scope this server does not serve).
/// Failures are counted per address and key id (<see cref="AuthFailureThrottle"/>); an unknown key id is checked
/// against a secret of no key, so it costs what a known key with a wrong signature costs.
/// </summary>
public sealed class Authenticator(
    IKeyStore keys,
    TimeProvider time,
    CubicleOptions? options = null,
    AuthFailureThrottle? failures = null
) : IDisposable
{
    public static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(15);

    /// <summary>The derived signing keys kept are bounded by this many bytes.</summary>
    public const long SigningKeyBytes = 4L << 20;

    private static readonly TimeSpan SigningKeyFor = TimeSpan.FromHours(1);

    // Checked against when the key id is unknown: the signature is computed and compared all the same.
    private static readonly AccessKey Nobody = new("", RandomNumberGenerator.GetHexString(40), "", null, false);

    private readonly IReadOnlySet<string> _regions = (options ?? new CubicleOptions()).Regions;
    private readonly BoundedCache _signingKeys = new(SigningKeyBytes);

    private readonly record struct SigningScope(string Secret, string Date, string Region, string Service);

    public sealed record Identity(AccessKey Key, string Region, string Service);

    /// <summary>The derived signing keys kept now (for tests).</summary>
    internal int SigningKeysKept => _signingKeys.Count;

    /// <summary>Whether requests may be signed for this region (--regions).</summary>
    public bool Serves(string region) => _regions.Contains(region);

    public async ValueTask<Identity> AuthenticateAsync(
        HttpRequest request,
        ReadOnlyMemory<byte> body,
        string expectedService
    )
    {
        var address = AuthFailureThrottle.AddressOf(request.HttpContext.Connection.RemoteIpAddress);
        failures?.Admit(address, null);
        string? keyId = null;
        try
        {
            var auth = SigV4Authorization.Parse(AuthorizationOf(request), keys.RootKeyId);
            keyId = auth.AccessKeyId;
            failures?.Admit(address, keyId);
            var amzDate = CheckScope(request, auth, expectedService);
            var found = await keys.FindAsync(auth.AccessKeyId);
            var matches = Verify(request, body, auth, amzDate, found ?? Nobody, keepKey: found is null);
            if (found is null)
                throw SigV4Authorization.UnknownKey();
            if (!matches)
                throw new ApiException(
                    ErrorCodes.InvalidSignature,
                    "The request signature we calculated does not match the signature you provided. Check "
                        + "your AWS Secret Access Key and signing method."
                );
            return new Identity(found, auth.Region, auth.Service);
        }
        catch (ApiException ex)
        {
            if (ex.Code != ErrorCodes.Throttling)
                failures?.Failed(address, keyId);
            throw;
        }
    }

    private static string AuthorizationOf(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!string.IsNullOrEmpty(header))
            return header;
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

    /// <summary>The date, service and region of the signature, and its age; returns X-Amz-Date.</summary>
    private string CheckScope(HttpRequest request, SigV4Authorization auth, string expectedService)
    {
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
        if (!Serves(auth.Region))
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
        return amzDate;
    }

    /// <summary>
    /// Whether the signature is the key's. A derived signing key is kept only once it verified a signature (or when
    /// <paramref name="keepKey"/>: the key of no key, whose scopes were all checked), so strangers fill no cache.
    /// </summary>
    private bool Verify(
        HttpRequest request,
        ReadOnlyMemory<byte> body,
        SigV4Authorization auth,
        string amzDate,
        AccessKey key,
        bool keepKey
    )
    {
        var payloadHash = PayloadHash(request, body);
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
        var scope = new SigningScope(key.SecretAccessKey, auth.Date, auth.Region, auth.Service);
        var cached = _signingKeys.TryGet<byte[]>(scope, out var signingKey);
        signingKey ??= SigV4.SigningKey(scope.Secret, scope.Date, scope.Region, scope.Service);
        var expected = SigV4.Signature(signingKey, stringToSign);
        var matches = CryptographicOperations.FixedTimeEquals(
            MemoryMarshal.AsBytes(expected.AsSpan()),
            MemoryMarshal.AsBytes(auth.Signature.AsSpan())
        );
        if (!cached && (matches || keepKey))
        {
            var bytes = 2L * (scope.Secret.Length + scope.Date.Length + scope.Region.Length + scope.Service.Length);
            _signingKeys.Set(scope, signingKey, bytes + signingKey.Length, SigningKeyFor, sliding: true);
        }
        return matches;
    }

    private static string PayloadHash(HttpRequest request, ReadOnlyMemory<byte> body)
    {
        var bodyHash = SigV4.Hex(SHA256.HashData(body.Span));
        var declared = request.Headers["X-Amz-Content-Sha256"].ToString();
        if (string.IsNullOrEmpty(declared))
            return bodyHash;
        if (!string.Equals(declared, bodyHash, StringComparison.OrdinalIgnoreCase))
            throw new ApiException(
                ErrorCodes.InvalidSignature,
                "The provided x-amz-content-sha256 header does not match the SHA-256 of the request body."
            );
        return declared;
    }

    private static bool IsSigned(string[] signedHeaders, string name)
    {
        foreach (var h in signedHeaders)
            if (string.Equals(h, name, StringComparison.OrdinalIgnoreCase))
                return true;
        return false;
    }

    public void Dispose() => _signingKeys.Dispose();
}
