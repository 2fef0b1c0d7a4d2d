using System.Text.Json.Serialization;

namespace Cubicle.Audit;

public sealed class DigestLogFile
{
    [JsonPropertyName("s3Bucket")]
    public string S3Bucket { get; set; } = "";

    [JsonPropertyName("s3Object")]
    public string S3Object { get; set; } = "";

    [JsonPropertyName("hashValue")]
    public string HashValue { get; set; } = "";

    [JsonPropertyName("hashAlgorithm")]
    public string HashAlgorithm { get; set; } = "";

    [JsonPropertyName("newestEventTime")]
    public string? NewestEventTime { get; set; }

    [JsonPropertyName("oldestEventTime")]
    public string? OldestEventTime { get; set; }
}
