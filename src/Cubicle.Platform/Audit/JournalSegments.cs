using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Cubicle.Audit;

/// <summary>
/// The audit journal's segment files: groups are written durably to the active one; a full one is closed and a new
/// one begun; a closed one is deleted once every event in it is in the database. Only the journal's writer thread
/// writes, opens and closes segments. The list of segments, the active one and their counts are guarded by the
/// journal's lock (<paramref name="sync"/>), which guards its pending events too: the counts change with them.
/// </summary>
internal sealed class JournalSegments(string folder, object sync, ILogger log)
{
    /// <summary>
    /// A segment this large is closed and a new one begun: a segment is deleted only once all of it is indexed.
    /// </summary>
    public const long SegmentBytes = 4 << 20;

    private readonly List<JournalSegment> _segments = [];
    private JournalSegment? _active;

    /// <summary>The number the next segment takes: past those an earlier process left.</summary>
    public long NextId { get; set; } = 1;

    /// <summary>The segment groups are written to; null until the next group opens one.</summary>
    public JournalSegment? Active => _active;

    /// <summary>Writes a group and flushes it (fdatasync), in a new segment if the active one has no room for it.
    /// </summary>
    public void WriteDurably(ReadOnlySpan<byte> bytes)
    {
        if (_active is { } full && full.Length > 0 && full.Length + bytes.Length > SegmentBytes)
            CloseActive();
        var segment = _active ?? Open();
        try
        {
            RandomAccess.Write(segment.Stream!.SafeFileHandle, bytes, segment.Length);
            JournalFiles.FlushData(segment.Stream);
            segment.Length += bytes.Length;
        }
        catch (IOException)
        {
            // Whatever reached the file of a failed group was never answered: zero it (best effort), and go on in a
            // new segment.
            try
            {
                RandomAccess.Write(segment.Stream!.SafeFileHandle, new byte[bytes.Length], segment.Length);
                JournalFiles.FlushData(segment.Stream);
            }
            catch (IOException) { }
            CloseActive();
            throw;
        }
    }

    /// <summary>Closes the active segment once it is within 64 KiB of full. Its group is answered already: a failure
    /// to close is logged, not thrown.</summary>
    public void CloseIfNearlyFull()
    {
        try
        {
            if (_active is { Length: >= SegmentBytes - 64 * 1024 })
                CloseActive();
        }
        catch (Exception ex)
        {
            log.LogWarning("Could not close a full journal segment: {Error}", ex.Message);
        }
    }

    /// <summary>A new segment, written full of zeros and flushed first: a group then overwrites blocks the file
    /// already has, so its flush (fdatasync) writes the data alone, not the file's size and block map.</summary>
    private JournalSegment Open()
    {
        var path = Path.Combine(folder, NextId.ToString("D20", CultureInfo.InvariantCulture) + ".log");
        var stream = new FileStream(path, JournalFiles.Options(FileMode.CreateNew, FileAccess.Write, FileShare.Read));
        try
        {
            var zeros = new byte[256 * 1024];
            for (long at = 0; at < SegmentBytes; at += zeros.Length)
                RandomAccess.Write(
                    stream.SafeFileHandle,
                    zeros.AsSpan(0, (int)Math.Min(zeros.Length, SegmentBytes - at)),
                    at
                );
            stream.Flush(flushToDisk: true);
        }
        catch
        {
            stream.Dispose();
            File.Delete(path);
            throw;
        }
        // The new file's name must survive a power cut too, not only its content.
        JournalFiles.FlushFolder(folder);
        var segment = new JournalSegment(NextId++, path) { Stream = stream };
        lock (sync)
        {
            _segments.Add(segment);
            _active = segment;
        }
        return segment;
    }

    /// <summary>Closes the active segment (the next group opens a new one), and deletes it if all of it is indexed.
    /// </summary>
    public void CloseActive()
    {
        var segment = _active;
        if (segment is null)
            return;
        lock (sync)
            _active = null;
        segment.Stream?.Dispose();
        segment.Stream = null;
        DeleteIndexed();
    }

    /// <summary>Deletes the closed segments whose every event is in the database.</summary>
    public void DeleteIndexed()
    {
        List<JournalSegment> done;
        lock (sync)
        {
            done = _segments.Where(s => s != _active && s.Indexed == s.Written).ToList();
            foreach (var s in done)
                _segments.Remove(s);
        }
        foreach (var s in done)
        {
            try
            {
                File.Delete(s.Path);
            }
            catch (IOException ex)
            {
                log.LogWarning("Could not delete the indexed journal {File}: {Error}", s.Path, ex.Message);
            }
        }
    }
}
