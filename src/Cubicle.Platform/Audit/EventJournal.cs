using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Cubicle.Storage;
using Microsoft.Extensions.Logging;

namespace Cubicle.Audit;

/// <summary>
/// The node's journal of the audit events that no change commits (reads, failed calls): an append-only file in the
/// data folder, written in groups with one fsync per group, so a call can answer as soon as its event is on disk.
/// A background indexer copies the journal into the database in large batches (LookupEvents and delivery read the
/// database), and a segment file is deleted once all of it is in the database. At start, whatever a crash left in
/// the journal is indexed again (event ids are unique, so an event already in the database is skipped; one older than
/// the retention period, which the database may have dropped already, is not brought back), and a torn last record is
/// ignored.
///
/// Order: an event of the journal reaches the database after the calls answered before it, but a change commits its
/// event at once. So that a change's event never comes before the event of a call answered earlier, whatever would
/// commit after the journal (a change, a lookup) first has the journal indexed (<see cref="IndexPendingAsync"/>).
/// That holds within one process, which is why the journal serves SQLite (one node); with PostgreSQL, every node
/// commits its events to the shared database, where no node's death can strand them.
/// </summary>
public sealed class EventJournal : IAsyncDisposable
{
    /// <summary>
    /// A segment this large is closed and a new one begun: a segment is deleted only once all of it is indexed.
    /// </summary>
    public const long SegmentBytes = 4 << 20;

    /// <summary>Events indexed per database transaction.</summary>
    private const int IndexBatch = 2_000;

    /// <summary>
    /// Events written but not yet indexed, at most: past this, calls wait for the indexer (bounded memory).
    /// </summary>
    private const int MaxPending = 20_000;

    /// <summary>Bytes of events written but not yet indexed, at most (events can be large: their parameters).</summary>
    private const long MaxPendingBytes = 64 << 20;

    /// <summary>A group's records, at most (a group is one write and one flush).</summary>
    private const int MaxGroupBytes = 1 << 20;
    private static readonly TimeSpan IndexEvery = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan RoomWait = TimeSpan.FromSeconds(10);
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly string _folder;
    private readonly IDatabase _db;
    private readonly ILogger _log;
    private readonly Channel<Append> _queue = Channel.CreateUnbounded<Append>(
        new UnboundedChannelOptions { SingleReader = true }
    );
    private readonly object _lock = new();

    // Written (durable) and not yet indexed, in journal order; guarded by _lock, as are the segments' counts.
    private readonly Queue<(AuditEventRecord Event, Segment Segment, int Bytes)> _pending = new();
    private long _pendingBytes;
    private readonly List<Segment> _segments = [];
    private readonly SemaphoreSlim _indexGate = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly long _keepSinceMs;
    private volatile bool _closed;
    private FileStream? _folderLock;
    private Segment? _active;
    private long _nextSegment = 1;
    private Thread? _writer;
    private Task? _indexer;
    private long _appended;
    private long _indexed;
    private long _written;
    private long _failed; // appended, never written (the call answered 503): nothing to index

    /// <summary>
    /// An event to write, or (Event null) a marker that completes once everything before it is written.
    /// </summary>
    private readonly record struct Append(AuditEventRecord? Event, TaskCompletionSource Done);

    private sealed class Segment(long id, string path)
    {
        public readonly long Id = id;
        public readonly string Path = path;
        public FileStream? Stream;
        public long Length;
        public int Written;
        public int Indexed;
    }

    /// <param name="keepSinceMs">At start, events of the journal older than this (Unix milliseconds) are not indexed
    /// again: the retention period may have removed them from the database already.</param>
    public EventJournal(string folder, IDatabase db, ILogger log, long keepSinceMs = 0)
    {
        _folder = Path.GetFullPath(folder);
        _db = db;
        _log = log;
        _keepSinceMs = keepSinceMs;
    }

    /// <summary>Events appended and not yet in the database.</summary>
    public long Unindexed =>
        Interlocked.Read(ref _appended) - Interlocked.Read(ref _indexed) - Interlocked.Read(ref _failed);

    /// <summary>Takes the journal (one process at a time), indexes what an earlier process left in it, and starts
    /// the writer and the indexer. Returns how many events were found in the journal.</summary>
    public async Task<int> OpenAsync(CancellationToken ct = default)
    {
        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(_folder);
        else
        {
            Directory.CreateDirectory(
                _folder,
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            );
            File.SetUnixFileMode(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            // The folder's own entry, so that a power cut cannot take it (and the segments in it) away.
            FlushFolder(Path.GetDirectoryName(_folder)!);
        }
        try
        {
            // An exclusive lock (flock) for the life of the process, released by the kernel if it dies.
            _folderLock = new FileStream(
                Path.Combine(_folder, "lock"),
                FileOptionsOf(FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None)
            );
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"Another process uses the audit journal in {_folder}.", ex);
        }
        var found = 0;
        foreach (var (id, path) in SegmentFiles())
        {
            var (events, damaged) = await ReplayAsync(path, ct);
            found += events;
            // A damaged segment is kept aside for the operator; an indexed one has nothing left to give.
            if (damaged)
                File.Move(path, Path.ChangeExtension(path, ".damaged"), overwrite: true);
            else
                File.Delete(path);
            _nextSegment = Math.Max(_nextSegment, id + 1);
        }
        FlushFolder();
        if (found > 0)
            _log.LogInformation("Indexed {Count} audit events left in the journal by the last process", found);
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "Audit journal" };
        _writer.Start();
        _indexer = Task.Run(IndexLoopAsync, CancellationToken.None);
        return found;
    }

    private IEnumerable<(long Id, string Path)> SegmentFiles() =>
        Directory
            .GetFiles(_folder, "*.log")
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
    private async Task<(int Events, bool Damaged)> ReplayAsync(string path, CancellationToken ct)
    {
        var data = await File.ReadAllBytesAsync(path, ct);
        var events = new List<AuditEventRecord>();
        var offset = 0;
        var skipped = 0;
        // A segment is made full of zeros (see OpenSegment): what follows the last record is zeros, unless a crash
        // cut a write short or a block was damaged. Records past a damaged one are found by their checksums.
        var end = data.AsSpan().LastIndexOfAnyExcept((byte)0) + 1;
        while (offset < end)
        {
            if (JournalRecord.TryRead(data.AsSpan(offset), out var e, out var used))
            {
                if (e!.EventTime >= _keepSinceMs)
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
            _log.LogWarning(
                "The audit journal {File} holds {Bytes} bytes that are no whole record (a write cut short by a "
                    + "crash, never answered, or damage): kept as {Damaged}",
                Path.GetFileName(path),
                skipped,
                Path.GetFileName(Path.ChangeExtension(path, ".damaged"))
            );
        foreach (var chunk in events.Chunk(IndexBatch))
            await _db.InsertAuditEventsAsync(chunk, ct);
        return (events.Count, skipped > 0);
    }

    /// <summary>Queues an event; the task completes once it is on disk (or fails: the call answers 503).</summary>
    public Task AppendAsync(AuditEventRecord e)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Increment(ref _appended);
        if (!_queue.Writer.TryWrite(new Append(e, done)))
        {
            Interlocked.Increment(ref _failed);
            done.SetException(
                new StoreUnavailableException(
                    "The audit journal is closed.",
                    new InvalidOperationException("shutting down")
                )
            );
        }
        return done.Task;
    }

    /// <summary>Puts every event appended so far into the database: for a change, whose event must not come before
    /// theirs, and for LookupEvents, which must find them.</summary>
    public async Task IndexPendingAsync()
    {
        if (_closed)
            throw new StoreUnavailableException(
                "The audit journal is closed.",
                new InvalidOperationException("stopped")
            );
        if (Unindexed == 0)
            return;
        var marker = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_queue.Writer.TryWrite(new Append(null, marker)))
            await marker.Task;
        var target = Interlocked.Read(ref _written);
        while (Interlocked.Read(ref _indexed) < target && await IndexOnceAsync() > 0) { }
    }

    // ------------------------------------------------------------------ writing

    /// <summary>Group commit, on a thread of its own (each fsync blocks): everything queued while the last group was
    /// being written goes in the next, in one write and one fsync.</summary>
    private void WriteLoop()
    {
        var batch = new List<Append>(1024);
        var buffer = new ArrayBufferWriter<byte>(256 * 1024);
        var reader = _queue.Reader;
        var sizes = new List<int>(1024);
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            buffer.ResetWrittenCount();
            sizes.Clear();
            var events = 0;
            var written = false;
            try
            {
                while (batch.Count < 1024 && buffer.WrittenCount < MaxGroupBytes && reader.TryRead(out var item))
                {
                    batch.Add(item);
                    if (item.Event is null)
                        continue;
                    var before = buffer.WrittenCount;
                    events++;
                    JournalRecord.Write(buffer, item.Event);
                    sizes.Add(buffer.WrittenCount - before);
                }
                if (events > 0)
                {
                    WaitForRoom();
                    WriteDurably(buffer.WrittenSpan);
                }
                written = true;
            }
            catch (Exception ex)
            {
                // Whatever went wrong (the disk, a full indexer, an event that cannot be written), these calls answer
                // 503 and the journal goes on with the next group.
                _log.LogError(ex, "Could not write {Count} audit events to the journal", events);
                var failure = new StoreUnavailableException("The audit journal could not be written.", ex);
                foreach (var item in batch)
                    if (item.Event is not null)
                        Interlocked.Increment(ref _failed);
                foreach (var item in batch)
                    item.Done.TrySetException(failure);
            }
            if (written)
            {
                lock (_lock)
                {
                    var n = 0;
                    foreach (var item in batch)
                        if (item.Event is not null)
                        {
                            _pending.Enqueue((item.Event, _active!, sizes[n]));
                            _pendingBytes += sizes[n++];
                        }
                    if (events > 0)
                        _active!.Written += events;
                }
                Interlocked.Add(ref _written, events);
                foreach (var item in batch)
                    item.Done.TrySetResult();
                try
                {
                    if (_active is { Length: >= SegmentBytes - 64 * 1024 })
                        CloseActive();
                }
                catch (Exception ex)
                {
                    _log.LogWarning("Could not close a full journal segment: {Error}", ex.Message);
                }
                if (Interlocked.Read(ref _written) - Interlocked.Read(ref _indexed) >= IndexBatch)
                    _wake.Release();
            }
            batch.Clear();
            if (buffer.Capacity > 4 << 20)
                buffer = new ArrayBufferWriter<byte>(256 * 1024); // after one huge group
        }
        if (_active is not null)
            CloseActive();
    }

    private void WaitForRoom()
    {
        var deadline = DateTime.UtcNow + RoomWait;
        lock (_lock)
            while (_pending.Count >= MaxPending || _pendingBytes >= MaxPendingBytes)
            {
                if (DateTime.UtcNow >= deadline)
                    throw new TimeoutException("The audit journal's indexer is behind (is the database reachable?).");
                Monitor.Wait(_lock, TimeSpan.FromMilliseconds(100));
            }
    }

    private void WriteDurably(ReadOnlySpan<byte> bytes)
    {
        if (_active is { } full && full.Length > 0 && full.Length + bytes.Length > SegmentBytes)
            CloseActive();
        var segment = _active ?? OpenSegment();
        try
        {
            RandomAccess.Write(segment.Stream!.SafeFileHandle, bytes, segment.Length);
            FlushData(segment.Stream);
            segment.Length += bytes.Length;
        }
        catch (IOException)
        {
            // Whatever reached the file of a failed group was never answered: zero it (best effort), and go on in a
            // new segment.
            try
            {
                RandomAccess.Write(segment.Stream!.SafeFileHandle, new byte[bytes.Length], segment.Length);
                FlushData(segment.Stream);
            }
            catch (IOException) { }
            CloseActive();
            throw;
        }
    }

    /// <summary>A new segment, written full of zeros and flushed first: a group then overwrites blocks the file
    /// already has, so its flush (fdatasync) writes the data alone, not the file's size and block map.</summary>
    private Segment OpenSegment()
    {
        var path = Path.Combine(_folder, _nextSegment.ToString("D20", CultureInfo.InvariantCulture) + ".log");
        var stream = new FileStream(path, FileOptionsOf(FileMode.CreateNew, FileAccess.Write, FileShare.Read));
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
        FlushFolder();
        var segment = new Segment(_nextSegment++, path) { Stream = stream };
        lock (_lock)
        {
            _segments.Add(segment);
            _active = segment;
        }
        return segment;
    }

    /// <summary>fdatasync where there is one: the data (and the size, had it changed), not the timestamps.</summary>
    private static void FlushData(FileStream stream)
    {
        if (OperatingSystem.IsWindows())
            stream.Flush(flushToDisk: true);
        else if (Native.Fdatasync((int)stream.SafeFileHandle.DangerousGetHandle()) != 0)
            throw new IOException($"fdatasync failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Unbuffered (each group is one write), readable and writable by the owner alone (0600).</summary>
    private static FileStreamOptions FileOptionsOf(FileMode mode, FileAccess access, FileShare share)
    {
        var o = new FileStreamOptions
        {
            Mode = mode,
            Access = access,
            Share = share,
            BufferSize = 0,
        };
        if (!OperatingSystem.IsWindows())
            o.UnixCreateMode = OwnerOnly;
        return o;
    }

    private void CloseActive()
    {
        var segment = _active;
        if (segment is null)
            return;
        lock (_lock)
            _active = null;
        segment.Stream?.Dispose();
        segment.Stream = null;
        DeleteIndexedSegments();
    }

    private void FlushFolder() => FlushFolder(_folder);

    private static void FlushFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
            return;
        var fd = Native.Open(
            folder,
            0 /* O_RDONLY */
        );
        if (fd < 0)
            return;
        Native.Fsync(fd);
        Native.Close(fd);
    }

    // ------------------------------------------------------------------ indexing

    private async Task IndexLoopAsync()
    {
        var ct = _stopping.Token;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(IndexEvery, ct);
                while (await IndexOnceAsync() == IndexBatch) { }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (StoreUnavailableException ex)
            {
                _log.LogWarning("Audit events wait in the journal: the database is unavailable ({Error})", ex.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            catch (Exception ex)
            {
                _log.LogError(ex, "Indexing the audit journal failed; retrying");
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Indexes the oldest written events (one transaction); returns how many.</summary>
    private async Task<int> IndexOnceAsync()
    {
        await _indexGate.WaitAsync();
        try
        {
            List<(AuditEventRecord Event, Segment Segment, int Bytes)> batch;
            lock (_lock)
                batch = _pending.Take(IndexBatch).ToList();
            if (batch.Count == 0)
                return 0;
            var events = batch.ConvertAll(p => p.Event);
            await _db.InsertAuditEventsAsync(events);
            lock (_lock)
            {
                foreach (var (_, segment, bytes) in batch)
                {
                    _pending.Dequeue();
                    _pendingBytes -= bytes;
                    segment.Indexed++;
                }
                Monitor.PulseAll(_lock);
            }
            Interlocked.Add(ref _indexed, batch.Count);
            DeleteIndexedSegments();
            return batch.Count;
        }
        finally
        {
            _indexGate.Release();
        }
    }

    /// <summary>Deletes the closed segments whose every event is in the database.</summary>
    private void DeleteIndexedSegments()
    {
        List<Segment> done;
        lock (_lock)
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
                _log.LogWarning("Could not delete the indexed journal {File}: {Error}", s.Path, ex.Message);
            }
        }
    }

    // ------------------------------------------------------------------ stopping

    /// <summary>Writes what is queued, indexes everything, and leaves an empty journal (or, if the database is away,
    /// the journal for the next start).</summary>
    public async ValueTask DisposeAsync()
    {
        _closed = true;
        _queue.Writer.TryComplete();
        if (_writer is not null)
            await Task.Run(() => _writer.Join());
        await _stopping.CancelAsync();
        if (_indexer is not null)
            await _indexer;
        try
        {
            while (await IndexOnceAsync() > 0) { }
        }
        catch (StoreUnavailableException ex)
        {
            _log.LogWarning(
                "{Count} audit events stay in the journal for the next start: {Error}",
                Unindexed,
                ex.Message
            );
        }
        DeleteIndexedSegments();
        if (_folderLock is not null)
            await _folderLock.DisposeAsync();
        // The semaphores stay: a call still running past the shutdown timeout gets StoreUnavailableException (503),
        // never ObjectDisposedException.
        _stopping.Dispose();
    }

    private static class Native
    {
#pragma warning disable SYSLIB1054 // as DataFolder: plain DllImport, no unsafe code for LibraryImport
        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        public static extern int Open(string path, int flags);

        [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
        public static extern int Fsync(int fd);

        [DllImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
        public static extern int Fdatasync(int fd);

        [DllImport("libc", EntryPoint = "close")]
        public static extern int Close(int fd);
#pragma warning restore SYSLIB1054
    }
}
