using System.Text.Json;
using System.Text.Json.Serialization;
using Cubicle.Accounts;
using Cubicle.Storage;

namespace Cubicle.Server;

[JsonSerializable(typeof(CreatedKey))]
[JsonSerializable(typeof(List<ListedKey>))]
[JsonSerializable(typeof(DeletedKey))]
public sealed partial class KeysJson : JsonSerializerContext;
