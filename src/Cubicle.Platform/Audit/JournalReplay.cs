using System.Globalization;
using Cubicle.Storage;
using Microsoft.Extensions.Logging;

namespace Cubicle.Audit;

/// <summary>
/// At start, indexes what an earlier process left in the audit journal's folder, segment by segment in order, then
/// removes each segment: an event already in the database is skipped (event ids are unique), one older than the
/// retention period is not brought back, and bytes that are no whole record are kept aside for the operator.
/// </summary>
internal static class JournalReplay
{
    /// <summary>Indexes every segment found; returns how many events they held and the number the next segment
    /// takes.</summary>
    /// <param name="keepSinceMs">Events older than this (Unix milliseconds) are not indexed again: the retention
    /// period may have removed them from the database already.</param>
    public static async Task<(int Found, long NextSegment)> ReplayAsync(
        string folder,
        IDatabase db,
        ILogger log,
        long keepSinceMs,
        CancellationToken ct
    )
    {
        var found = 0;
        var nextSegment = 1L;
        foreach (var (id, path) in SegmentFiles(folder))
        {
            var (events, damaged) = await ReplaySegmentAsync(path, db, log, keepSinceMs, ct);
            found += events;
            // A damaged segment is kept aside for the operator; an indexed one has nothing left to give.
            if (damaged)
                File.Move(path, Path.ChangeExtension(path, ".damaged"), overwrite: true);
            else
                File.Delete(path);
            nextSegment = Math.Max(nextSegment, id + 1);
        }
        JournalFiles.FlushFolder(folder);
        return (found, nextSegment);
    }

    private static IEnumerable<(long Id, string Path)> SegmentFiles(string folder) =>
        Directory
            .GetFiles(folder, "*.log")
            .Select(p =>
                (
                    Ok: long.TryParse(
                        Path.GetFileNameWithoutExtension(p),
                        NumberStyles.None,
                        CultureInfo.InvariantCulture,
                        out var id
                    ),
                    Id: id,
                    Path: p
                )
            )
            .Where(s => s.Ok)
            .OrderBy(s => s.Id)
            .Select(s => (s.Id, s.Path))
            .ToList();

    /// <summary>Indexes a segment's records; whether bytes that are no record (past a record cut short, or a
    /// damaged one) were found before its end.</summary>
    private static async Task<(int Events, bool Damaged)> ReplaySegmentAsync(
        string path,
        IDatabase db,
        ILogger log,
        long keepSinceMs,
        CancellationToken ct
    )
    {
        var data = await File.ReadAllBytesAsync(path, ct);
        var events = new List<AuditEventRecord>();
        var offset = 0;
        var skipped = 0;
        // A segment is made full of zeros (see JournalSegments): what follows the last record is zeros, unless a crash
        // cut a write short or a block was damaged. Records past a damaged one are found by their checksums.
        var end = data.AsSpan().LastIndexOfAnyExcept((byte)0) + 1;
        while (offset < end)
        {
            if (JournalRecord.TryRead(data.AsSpan(offset), out var e, out var used))
            {
                if (e!.EventTime >= keepSinceMs)
                    events.Add(e);
                offset += used;
            }
            else
            {
                offset++;
                skipped++;
            }
        }
        if (skipped > 0)
            log.LogWarning(
                "The audit journal {File} holds {Bytes} bytes that are no whole record (a write cut short by a "
                    + "crash, never answered, or damage): kept as {Damaged}",
                Path.GetFileName(path),
                skipped,
                Path.GetFileName(Path.ChangeExtension(path, ".damaged"))
            );
        foreach (var chunk in events.Chunk(EventJournal.IndexBatch))
            await db.InsertAuditEventsAsync(chunk, ct);
        return (events.Count, skipped > 0);
    }
}
