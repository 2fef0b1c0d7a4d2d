using System.Buffers;
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
    public const long SegmentBytes = JournalSegments.SegmentBytes;

    /// <summary>Events indexed per database transaction.</summary>
    internal const int IndexBatch = 2_000;

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

    private readonly string _folder;
    private readonly IDatabase _db;
    private readonly ILogger _log;
    private readonly Channel<Append> _queue = Channel.CreateUnbounded<Append>(
        new UnboundedChannelOptions { SingleReader = true }
    );
    private readonly object _lock = new();

    // Written (durable) and not yet indexed, in journal order; guarded by _lock, as are the segments' counts.
    private readonly Queue<(AuditEventRecord Event, JournalSegment Segment, int Bytes)> _pending = new();
    private long _pendingBytes;
    private readonly JournalSegments _segments;
    private readonly SemaphoreSlim _indexGate = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly long _keepSinceMs;
    private volatile bool _closed;
    private FileStream? _folderLock;
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

    /// <param name="keepSinceMs">At start, events of the journal older than this (Unix milliseconds) are not indexed
    /// again: the retention period may have removed them from the database already.</param>
    public EventJournal(string folder, IDatabase db, ILogger log, long keepSinceMs = 0)
    {
        _folder = Path.GetFullPath(folder);
        _db = db;
        _log = log;
        _keepSinceMs = keepSinceMs;
        _segments = new JournalSegments(_folder, _lock, log);
    }

    /// <summary>Events appended and not yet in the database.</summary>
    public long Unindexed =>
        Interlocked.Read(ref _appended) - Interlocked.Read(ref _indexed) - Interlocked.Read(ref _failed);

    /// <summary>Takes the journal (one process at a time), indexes what an earlier process left in it, and starts
    /// the writer and the indexer. Returns how many events were found in the journal.</summary>
    public async Task<int> OpenAsync(CancellationToken ct = default)
    {
        JournalFiles.CreateFolder(_folder);
        _folderLock = JournalFiles.Lock(_folder);
        var (found, nextSegment) = await JournalReplay.ReplayAsync(_folder, _db, _log, _keepSinceMs, ct);
        _segments.NextId = nextSegment;
        if (found > 0)
            _log.LogInformation("Indexed {Count} audit events left in the journal by the last process", found);
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "Audit journal" };
        _writer.Start();
        _indexer = Task.Run(IndexLoopAsync, CancellationToken.None);
        return found;
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
            if (TryWriteGroup(reader, batch, buffer, sizes, out var events))
                CompleteGroup(batch, sizes, events);
            batch.Clear();
            if (buffer.Capacity > 4 << 20)
                buffer = new ArrayBufferWriter<byte>(256 * 1024); // after one huge group
        }
        if (_segments.Active is not null)
            _segments.CloseActive();
    }

    /// <summary>Takes the next group from the queue (its records in <paramref name="buffer"/>, their sizes in
    /// <paramref name="sizes"/>) and writes it durably; false when it could not, and its calls have failed.</summary>
    private bool TryWriteGroup(
        ChannelReader<Append> reader,
        List<Append> batch,
        ArrayBufferWriter<byte> buffer,
        List<int> sizes,
        out int events
    )
    {
        events = 0;
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
                _segments.WriteDurably(buffer.WrittenSpan);
            }
            return true;
        }
        catch (Exception ex)
        {
            FailGroup(batch, events, ex);
            return false;
        }
    }

    /// <summary>A group that could not be written, whatever went wrong (the disk, a full indexer, an event that
    /// cannot be written): its calls answer 503, and the journal goes on with the next group.</summary>
    private void FailGroup(List<Append> batch, int events, Exception ex)
    {
        _log.LogError(ex, "Could not write {Count} audit events to the journal", events);
        var failure = new StoreUnavailableException("The audit journal could not be written.", ex);
        foreach (var item in batch)
            if (item.Event is not null)
                Interlocked.Increment(ref _failed);
        foreach (var item in batch)
            item.Done.TrySetException(failure);
    }

    /// <summary>A group on disk: its events wait for the indexer, its calls answer, and a full segment is closed.
    /// </summary>
    private void CompleteGroup(List<Append> batch, List<int> sizes, int events)
    {
        lock (_lock)
        {
            var n = 0;
            foreach (var item in batch)
                if (item.Event is not null)
                {
                    _pending.Enqueue((item.Event, _segments.Active!, sizes[n]));
                    _pendingBytes += sizes[n++];
                }
            if (events > 0)
                _segments.Active!.Written += events;
        }
        Interlocked.Add(ref _written, events);
        foreach (var item in batch)
            item.Done.TrySetResult();
        _segments.CloseIfNearlyFull();
        if (Interlocked.Read(ref _written) - Interlocked.Read(ref _indexed) >= IndexBatch)
            _wake.Release();
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
            List<(AuditEventRecord Event, JournalSegment Segment, int Bytes)> batch;
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
            _segments.DeleteIndexed();
            return batch.Count;
        }
        finally
        {
            _indexGate.Release();
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
        _segments.DeleteIndexed();
        if (_folderLock is not null)
            await _folderLock.DisposeAsync();
        // The semaphores stay: a call still running past the shutdown timeout gets StoreUnavailableException (503),
        // never ObjectDisposedException.
        _stopping.Dispose();
    }
}
