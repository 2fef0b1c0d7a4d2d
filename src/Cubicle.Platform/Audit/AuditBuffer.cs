using Cubicle.Observability;
using Cubicle.Storage;

namespace Cubicle.Audit;

/// <summary>
/// The room, in bytes, for the events of read-only calls that answer before their event is stored
/// (--audit-read-events buffered). A call takes room for its event and gives it back once the event is stored (or
/// could not be); while the room is taken the next calls wait for it, in turn (back-pressure), so readers can never
/// grow the queues behind the store, however slow the store is. One event larger than the whole room goes alone.
/// </summary>
public sealed class AuditBuffer(long maxBytes, CubicleMetrics? metrics = null)
{
    /// <summary>The default room: a few hundred of the largest events, many thousands of ordinary ones.</summary>
    public const long DefaultBytes = 64L << 20;

    private readonly object _lock = new();
    private readonly Queue<(long Bytes, TaskCompletionSource Room)> _waiting = new();
    private long _used;

    public long MaxBytes => maxBytes;

    /// <summary>Bytes of events taken in and not yet stored.</summary>
    public long Used
    {
        get
        {
            lock (_lock)
                return _used;
        }
    }

    /// <summary>Completes once the event has room: at once while there is some, else when earlier ones are
    /// stored.</summary>
    public Task EnterAsync(long bytes)
    {
        lock (_lock)
        {
            if (_waiting.Count == 0 && Fits(bytes))
            {
                Take(bytes);
                return Task.CompletedTask;
            }
            var room = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Enqueue((bytes, room));
            metrics?.AuditReadEventWaited();
            return room.Task;
        }
    }

    /// <summary>Gives back an event's room (it is stored, or could not be), and lets in those it makes room for.
    /// </summary>
    public void Leave(long bytes)
    {
        List<TaskCompletionSource>? admitted = null;
        lock (_lock)
        {
            Take(-bytes);
            while (_waiting.TryPeek(out var next) && Fits(next.Bytes))
            {
                _waiting.Dequeue();
                Take(next.Bytes);
                (admitted ??= []).Add(next.Room);
            }
        }
        foreach (var room in admitted ?? [])
            room.TrySetResult();
    }

    private bool Fits(long bytes) => _used == 0 || _used + bytes <= maxBytes;

    private void Take(long bytes)
    {
        _used += bytes;
        if (metrics is not null)
            Interlocked.Exchange(ref metrics.AuditBufferedBytes, _used);
    }

    /// <summary>What an event holds in memory while it waits: its text (UTF-16) and a little for the rest.</summary>
    public static long SizeOf(AuditEventRecord e) =>
        512L + 2L * (e.Body.Length + (e.Resources?.Length ?? 0) + e.EventId.Length + (e.Username?.Length ?? 0));
}
