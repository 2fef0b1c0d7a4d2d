using System.Text.Json.Serialization;

namespace Cubicle.Api;

public sealed class RootStorage
{
    public string? Capacity { get; set; }
}
