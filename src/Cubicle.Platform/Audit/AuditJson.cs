using System.Text.Json.Serialization;

namespace Cubicle.Audit;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(DigestDocument))]
[JsonSerializable(typeof(Dictionary<string, string>))]
public sealed partial class AuditJson : JsonSerializerContext;
