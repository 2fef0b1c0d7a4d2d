namespace Cubicle.Audit;

/// <summary>
/// One file of the audit journal (its number, then .log): how far it is written, and how many of its events are
/// written and how many indexed. The counts are guarded by the journal's lock; once the segment is closed and the two
/// are equal, its file is deleted.
/// </summary>
internal sealed class JournalSegment(long id, string path)
{
    public readonly long Id = id;
    public readonly string Path = path;

    /// <summary>Open while groups are written to it; null once closed.</summary>
    public FileStream? Stream;
    public long Length;
    public int Written;
    public int Indexed;
}
