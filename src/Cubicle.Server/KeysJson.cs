using System.Text.Json.Serialization;

namespace Cubicle.Server;

[JsonSerializable(typeof(CreatedKey))]
[JsonSerializable(typeof(List<ListedKey>))]
[JsonSerializable(typeof(DeletedKey))]
public sealed partial class KeysJson : JsonSerializerContext;
