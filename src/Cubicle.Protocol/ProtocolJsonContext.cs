using System.Text.Json.Serialization;

namespace Cubicle.Protocol;

/// <summary>The shapes every service answers alike: the error body.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ErrorBody))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;
