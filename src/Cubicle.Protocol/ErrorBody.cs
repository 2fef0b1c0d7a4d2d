namespace Cubicle.Protocol;

public sealed class ErrorBody
{
    [System.Text.Json.Serialization.JsonPropertyName("__type")]
    public string? Type { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("message")]
    public string? Message { get; set; }
    public string? ResourceId { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("reason")]
    public string? Reason { get; set; }

    [System.Text.Json.Serialization.JsonPropertyName("Reason")]
    public string? RestReason { get; set; }
}
