using System.Text.Json;
using System.Text.Json.Serialization;
using Cubicle.Accounts;
using Cubicle.Storage;

namespace Cubicle.Server;

public sealed record DeletedKey(string Deleted);
