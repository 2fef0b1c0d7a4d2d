using Cubicle.Cluster;
using Cubicle.Storage;

namespace Cubicle.Server;

/// <summary>
/// Whether this node can serve: the database answers and the node still holds its name (an outage loses the lock
/// with its connection, and another process could take the name before it is taken again). Asked at most once a
/// second however often /health is polled.
/// </summary>
public sealed class NodeHealth(IDatabase db, NodeLock nodeLock, TimeProvider time)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);
    private Checked _last = new("not checked yet", DateTimeOffset.MinValue);

    // A reference, so a reader sees one check's answer and time together.
    private sealed record Checked(string? Problem, DateTimeOffset At);

    /// <summary>Null when the node is up, else what is wrong.</summary>
    public async Task<string?> ProblemAsync(CancellationToken ct)
    {
        var last = _last;
        var now = time.GetUtcNow();
        if (now - last.At < CacheFor)
            return last.Problem;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        string? problem = null;
        try
        {
            if (!await db.PingAsync(timeout.Token))
                problem = "database unavailable";
            else if (!await nodeLock.CheckAsync(timeout.Token))
                problem = "node name not held";
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            problem = "database unavailable";
        }
        _last = new Checked(problem, now);
        return problem;
    }
}
