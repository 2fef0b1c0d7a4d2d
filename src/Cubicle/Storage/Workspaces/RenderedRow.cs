namespace Cubicle.Storage;

/// <summary>A row's cached API JSON and the version of the renderer that made it.</summary>
public sealed class RenderedRow
{
    public long Seq { get; init; }
    public byte[]? Json { get; init; }
    public int Version { get; init; }
}
