using System.Text.Json.Serialization;

namespace Cubicle.Audit;

/// <summary>A CloudTrail digest file (log file integrity validation), with the same member names.</summary>
public sealed class DigestDocument
{
    [JsonPropertyName("awsAccountId")]
    public string AwsAccountId { get; set; } = "";

    [JsonPropertyName("digestStartTime")]
    public string DigestStartTime { get; set; } = "";

    [JsonPropertyName("digestEndTime")]
    public string DigestEndTime { get; set; } = "";

    [JsonPropertyName("digestS3Bucket")]
    public string DigestS3Bucket { get; set; } = "";

    [JsonPropertyName("digestS3Object")]
    public string DigestS3Object { get; set; } = "";

    [JsonPropertyName("digestPublicKeyFingerprint")]
    public string DigestPublicKeyFingerprint { get; set; } = "";

    [JsonPropertyName("digestSignatureAlgorithm")]
    public string DigestSignatureAlgorithm { get; set; } = "";

    [JsonPropertyName("newestEventTime")]
    public string? NewestEventTime { get; set; }

    [JsonPropertyName("oldestEventTime")]
    public string? OldestEventTime { get; set; }

    [JsonPropertyName("previousDigestS3Bucket")]
    public string? PreviousDigestS3Bucket { get; set; }

    [JsonPropertyName("previousDigestS3Object")]
    public string? PreviousDigestS3Object { get; set; }

    [JsonPropertyName("previousDigestHashValue")]
    public string? PreviousDigestHashValue { get; set; }

    [JsonPropertyName("previousDigestHashAlgorithm")]
    public string? PreviousDigestHashAlgorithm { get; set; }

    [JsonPropertyName("previousDigestSignature")]
    public string? PreviousDigestSignature { get; set; }

    [JsonPropertyName("logFiles")]
    public List<DigestLogFile> LogFiles { get; set; } = [];
}
