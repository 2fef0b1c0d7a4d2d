using System.Threading.Channels;
using Cubicle.Observability;
using Cubicle.Protocol;
using Cubicle.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cubicle.Audit;

/// <summary>
/// Records one CloudTrail event per API call that reached an operation. A call that changes something
/// writes its event inside its own transaction (<see cref="OnCommit"/>), so the change and its event
/// commit together. Other calls (reads, failures) hand their event to a group commit, and each call answers only
/// once its event is durable: with SQLite, in the node's <see cref="EventJournal"/> (an append-only file, indexed
/// into the database in the background); with PostgreSQL, in the shared database, a group per transaction.
/// </summary>
public sealed class AuditLog(
    IDatabase db,
    TimeProvider time,
    AuditOptions options,
    ILogger<AuditLog> log,
    CubicleMetrics? metrics = null
) : BackgroundService, ICallObserver
{
    /// <summary>Events per transaction of the database group commit.</summary>
    private const int GroupMax = 512;
    private readonly Channel<(AuditEventRecord Event, TaskCompletionSource Done)> _queue = Channel.CreateUnbounded<(
        AuditEventRecord,
        TaskCompletionSource
    )>();
    private EventJournal? _journal;
    private readonly AuditBuffer _buffer = new(options.BufferBytes, metrics);

    public Task OnCallAsync(
        CallContext ctx,
        IOperation operation,
        ReadOnlyMemory<byte> request,
        ReadOnlyMemory<byte>? response,
        ApiException? error
    )
    {
        if (operation.ReadOnly && options.ReadEvents == "off")
            return Task.CompletedTask;
        var e = Build(ctx, operation, request.Span, response is { } r ? r.Span : default, error);
        if (operation.ReadOnly && options.ReadEvents == "buffered")
            return BufferAsync(e);
        return _journal?.AppendAsync(e) ?? Enqueue(e);
    }

    /// <summary>A read's event when reads answer before their event is stored: the call waits only for room in the
    /// <see cref="AuditBuffer"/>, and an event that then cannot be stored is counted (its call has answered).</summary>
    private async Task BufferAsync(AuditEventRecord e)
    {
        var bytes = AuditBuffer.SizeOf(e);
        await _buffer.EnterAsync(bytes);
        var stored = _journal?.AppendAsync(e) ?? Enqueue(e);
        _ = stored.ContinueWith(
            t =>
            {
                _buffer.Leave(bytes);
                if (t.Exception is not null) // logged where it failed; read here, so it is observed
                    metrics?.AuditEventDropped();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default
        );
    }

    private Task Enqueue(AuditEventRecord e)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite((e, done)))
            done.SetException(
                new StoreUnavailableException(
                    "The audit log is closed.",
                    new InvalidOperationException("shutting down")
                )
            );
        return done.Task;
    }

    /// <summary>Before a change: the events of calls already answered go into the database first, so that the
    /// change's event, committed with it, comes after theirs.</summary>
    public Task BeforeChangeAsync() => IndexPendingAsync();

    /// <summary>
    /// Puts the journal's events into the database now (LookupEvents finds them; a change comes after them).
    /// </summary>
    public Task IndexPendingAsync() => _journal?.IndexPendingAsync() ?? Task.CompletedTask;

    /// <summary>Events answered but not yet in the database (in the journal).</summary>
    public long Unindexed => _journal?.Unindexed ?? 0;

    public override async Task StartAsync(CancellationToken ct)
    {
        // Before the node serves: events a crash left in the journal are indexed first, and come before any new one.
        if (options.JournalFolder is { } folder)
        {
            // Events past the retention period may already be deleted from the database: never brought back.
            var keepSince = time.GetUtcNow().AddDays(-options.RetentionDays).ToUnixTimeMilliseconds();
            var journal = new EventJournal(folder, db, log, keepSince);
            await journal.OpenAsync(ct);
            _journal = journal;
        }
        await base.StartAsync(ct);
    }

    /// <summary>Group commit into the database (PostgreSQL): everything queued while a group was being written goes in
    /// the next. Several groups commit at once, each in a transaction of its own (their calls are concurrent, so their
    /// events have no order among them), and the server merges their flushes: a call waits for one commit, not for a
    /// queue of them.</summary>
    protected override Task ExecuteAsync(CancellationToken ct)
    {
        var writers = db.Engine == "postgres" ? ConcurrentGroups : 1;
        return Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(WriteLoopAsync, CancellationToken.None)));
    }

    /// <summary>Groups committing at once on PostgreSQL.</summary>
    private const int ConcurrentGroups = 2;

    private async Task WriteLoopAsync()
    {
        var batch = new List<(AuditEventRecord Event, TaskCompletionSource Done)>(GroupMax);
        var events = new List<AuditEventRecord>(GroupMax);
        var reader = _queue.Reader;
        // Not cancelled on shutdown: the queue is completed and drained, so no caller is left waiting.
        while (await reader.WaitToReadAsync())
        {
            while (batch.Count < GroupMax && reader.TryRead(out var item))
                batch.Add(item);
            if (batch.Count == 0)
                continue; // another writer took them
            foreach (var (e, _) in batch)
                events.Add(e);
            try
            {
                await db.InsertAuditEventsAsync(events);
                foreach (var (_, done) in batch)
                    done.TrySetResult();
            }
            catch (Exception ex)
            {
                // One event that cannot be stored must fail only its own call: store the batch one by one.
                log.LogWarning(
                    ex,
                    "Could not write {Count} audit events together; writing them one by one",
                    batch.Count
                );
                foreach (var (e, done) in batch)
                    await WriteOneAsync(e, done);
            }
            batch.Clear();
            events.Clear();
        }
    }

    private async Task WriteOneAsync(AuditEventRecord e, TaskCompletionSource done)
    {
        try
        {
            await db.InsertAuditEventsAsync([e]);
            done.TrySetResult();
        }
        catch (Exception ex)
        {
            log.LogError(ex, "Could not write the audit event of request {RequestId}", e.EventId);
            done.TrySetException(new StoreUnavailableException("The audit log could not be written.", ex));
        }
    }

    public override async Task StopAsync(CancellationToken ct)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(ct);
        if (_journal is not null)
            await _journal.DisposeAsync();
    }

    /// <summary>The call's CloudTrail event, dated now (<see cref="AuditEventBuilder"/>).</summary>
    public AuditEventRecord Build(
        CallContext ctx,
        IOperation op,
        ReadOnlySpan<byte> request,
        ReadOnlySpan<byte> response,
        ApiException? error
    ) => AuditEventBuilder.Build(time.GetUtcNow(), ctx, op, request, response, error);
}
