namespace Cubicle.Storage;

/// <summary>A row of a page: its key, the version of the renderer that made its cached API JSON, and that JSON's length
/// in the buffer the page was read into (-1: none cached).</summary>
public sealed class RenderedRow
{
    public long Seq { get; init; }
    public int Version { get; init; }
    public int JsonLength { get; init; } = -1;
}
