using System.Text.Json.Serialization;

namespace Cubicle.Protocol;

/// <summary>
/// A member value that is already JSON (a workspace rendered when it was last written), written as is.
/// </summary>
[JsonConverter(typeof(RawJsonConverter))]
public readonly struct RawJson(ReadOnlyMemory<byte> utf8)
{
    public ReadOnlyMemory<byte> Utf8 { get; } = utf8;
}
