using System.Text.Json.Serialization;

namespace Cubicle.Audit;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(DigestDocument))]
public sealed partial class AuditJson : JsonSerializerContext;
