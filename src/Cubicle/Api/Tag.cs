using System.Text.Json.Serialization;

namespace Cubicle.Api;

public sealed class Tag
{
    public string? Key { get; set; }
    public string? Value { get; set; }
}
