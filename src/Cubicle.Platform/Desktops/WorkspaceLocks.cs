using System.Collections.Concurrent;

namespace Cubicle.Desktops;

/// <summary>One gate per workspace: its transitions, snapshots and modifications run one at a time.</summary>
internal sealed class WorkspaceLocks
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new();

    /// <summary>Waits for the workspace's gate; disposing what it returns opens the gate again (a second
    /// dispose does nothing).</summary>
    public async Task<IDisposable> LockAsync(string workspaceId, CancellationToken ct)
    {
        var gate = _gates.GetOrAdd(workspaceId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        return new Release(gate);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
                gate.Release();
        }
    }
}
