using System.Text.Json;
using System.Text.Json.Serialization;
using Cubicle.Accounts;
using Cubicle.Storage;

namespace Cubicle.Server;

public sealed record CreatedKey(string AccessKeyId, string SecretAccessKey, string AccountId);
