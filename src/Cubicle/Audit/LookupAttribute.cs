using System.Text.Json.Serialization;
using Cubicle.Protocol;
using Cubicle.Storage;

namespace Cubicle.Audit;

public sealed class LookupAttribute
{
    public string? AttributeKey { get; set; }
    public string? AttributeValue { get; set; }
}
