using System.Text.Json.Serialization;

namespace Cubicle.Services.CloudTrail;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, MaxDepth = 32)]
[JsonSerializable(typeof(LookupEventsRequest))]
[JsonSerializable(typeof(LookupEventsResponse))]
public sealed partial class CloudTrailJson : JsonSerializerContext;
