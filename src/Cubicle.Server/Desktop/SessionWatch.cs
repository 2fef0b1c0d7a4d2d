using System.Collections.Concurrent;
using Cubicle.Accounts;
using Cubicle.Storage;

namespace Cubicle.Server;

/// <summary>
/// Closes open desktop connections whose session ended: at once when any node announces that sessions ended (sign-out,
/// a password change, the workspace stopping), and within <see cref="Interval"/> otherwise (a session that expired, or
/// one ended by a command in another process of an SQLite server, where no notice crosses processes).
/// </summary>
public sealed class SessionWatch : IDisposable
{
    private readonly BrowserSessions _sessions;
    private readonly ILogger<SessionWatch> _log;
    private readonly ConcurrentDictionary<CancellationTokenSource, string> _open = new();
    private readonly SemaphoreSlim _checking = new(1, 1);
    private readonly ITimer _timer;
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    public SessionWatch(IDatabase db, BrowserSessions sessions, TimeProvider time, ILogger<SessionWatch> log)
    {
        _sessions = sessions;
        _log = log;
        db.Subscribe(Channels.Sessions, () => _ = CheckAsync());
        _timer = time.CreateTimer(_ => _ = CheckAsync(), null, Interval, Interval);
    }

    /// <summary>Watches a connection's session; the token is cancelled when the session ends.</summary>
    public CancellationTokenSource Watch(string idHash, CancellationToken connection)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(connection);
        _open[cts] = idHash;
        return cts;
    }

    public void Forget(CancellationTokenSource cts) => _open.TryRemove(cts, out _);

    private async Task CheckAsync()
    {
        if (!await _checking.WaitAsync(0))
            return;
        try
        {
            foreach (var (cts, idHash) in _open)
                if (!await _sessions.IsLiveAsync(idHash))
                {
                    _log.LogInformation("A desktop session ended: closing its connection");
                    await cts.CancelAsync();
                }
        }
        catch (StoreUnavailableException ex)
        {
            _log.LogWarning("Could not check open desktop sessions: {Error}", ex.Message);
        }
        finally
        {
            _checking.Release();
        }
    }

    public void Dispose() => _timer.Dispose();
}
