using System.Text.Json.Serialization;
using Cubicle.Protocol;
using Cubicle.Storage;

namespace Cubicle.Audit;

public sealed class TrailResource
{
    public string? ResourceType { get; set; }
    public string? ResourceName { get; set; }
}
