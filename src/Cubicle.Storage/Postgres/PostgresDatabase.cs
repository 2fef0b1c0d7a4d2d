using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Cubicle.Storage;

/// <summary>
/// The engine several nodes share. Writes run at READ COMMITTED with the locking statements: every row a write reads
/// stays locked until it commits, so a check still holds when the write saves (docs/storage.md). A deadlock, or a
/// unique key another node took first, runs the transaction again; one that keeps failing is a conflict
/// (OperationInProgressException), never a 5xx. Reads use connections that refuse writes. Nodes tell each other of
/// committed changes through LISTEN/NOTIFY, and coordinate with advisory locks.
/// </summary>
public sealed class PostgresDatabase : IDatabase
{
    private const int MaxAttempts = 5;
    private readonly NpgsqlDataSource _writes;
    private readonly NpgsqlDataSource _reads;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, Action[]> _subscribers = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task? _listener;

    private PostgresDatabase(NpgsqlDataSource writes, NpgsqlDataSource reads, ILogger log)
    {
        _writes = writes;
        _reads = reads;
        _log = log;
    }

    public static async Task<PostgresDatabase> OpenAsync(string connectionString, ILogger log)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        // Hot statements are prepared on each connection after a few uses.
        if (builder.MaxAutoPrepare == 0)
            builder.MaxAutoPrepare = 64;
        if (string.IsNullOrEmpty(builder.ApplicationName))
            builder.ApplicationName = "cubicle";
        var writes = new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
        var readOnly = new NpgsqlConnectionStringBuilder(builder.ConnectionString)
        {
            Options = (builder.Options + " -c default_transaction_read_only=on").Trim(),
            // A read leaves no session state behind (no SET, no lock, no LISTEN): nothing to reset when its connection
            // goes back to the pool, which would otherwise cost the server a reset before every read.
            NoResetOnClose = true,
        };
        var reads = new NpgsqlDataSourceBuilder(readOnly.ConnectionString).Build();
        var db = new PostgresDatabase(writes, reads, log);
        try
        {
            await PostgresMigrations.MigrateAsync(writes);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            await db.DisposeAsync();
            throw new StoreUnavailableException($"PostgreSQL is unreachable: {ex.Message}", ex);
        }
        return db;
    }

    public string Engine => "postgres";

    public async Task<T> ReadAsync<T>(Func<IUnitOfWork, Task<T>> read, CancellationToken ct = default)
    {
        try
        {
            await using var c = await _reads.OpenConnectionAsync(ct).ConfigureAwait(false);
            return await read(new UnitOfWork(new DbSession(c, null, null), PostgresStatements.All))
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw new StoreUnavailableException("The database is unavailable.", ex);
        }
    }

    public async Task<T> WriteAsync<T>(Journal journal, Func<IUnitOfWork, Task<T>> work, CancellationToken ct = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var c = await _writes.OpenConnectionAsync(ct).ConfigureAwait(false);
                await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
                var unit = new UnitOfWork(new DbSession(c, tx, null), PostgresStatements.Locking);
                var result = await work(unit).ConfigureAwait(false);
                if (journal.EventFor(result) is { } e)
                    await unit.Audit.InsertAsync(e).ConfigureAwait(false);
                // Delivered to every listening node when (and only if) the transaction commits.
                foreach (var channel in unit.Notices)
                    await c.ExecuteAsync("SELECT pg_notify(@channel, '')", new { channel }, tx).ConfigureAwait(false);
                await tx.CommitAsync(ct).ConfigureAwait(false);
                journal.Committed(result);
                foreach (var channel in unit.Notices)
                    Dispatch(channel);
                return result;
            }
            catch (PostgresException ex) when (IsConflict(ex) && attempt < MaxAttempts)
            {
                // Nothing was committed: run the work again, which now sees what the other transaction made.
                await Task.Delay(Random.Shared.Next(5, 20 * attempt), ct).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (IsConflict(ex))
            {
                throw new StoreConflictException(
                    $"{ex.ConstraintName ?? ex.SqlState}: other transactions kept changing the same rows.",
                    ex
                );
            }
            catch (Exception ex) when (IsUnavailable(ex))
            {
                throw new StoreUnavailableException("The database is unavailable.", ex);
            }
        }
    }

    /// <summary>A unique key another transaction took first, a serialization failure or a deadlock.</summary>
    private static bool IsConflict(PostgresException ex) => ex.SqlState is "23505" or "40001" or "40P01";

    /// <summary>
    /// Connection failures, a server shutting down or out of resources: the request may succeed later.
    /// </summary>
    private static bool IsUnavailable(Exception ex) =>
        ex switch
        {
            PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal)
                || pg.SqlState.StartsWith("53", StringComparison.Ordinal)
                || pg.SqlState is "57P01" or "57P02" or "57P03",
            NpgsqlException or SocketException or TimeoutException => true,
            InvalidOperationException when ex.InnerException is NpgsqlException => true,
            _ => false,
        };

    public void Subscribe(string channel, Action handler)
    {
        _subscribers.AddOrUpdate(channel, [handler], (_, list) => [.. list, handler]);
        _listener ??= Task.Run(() => ListenAsync(_stopping.Token));
    }

    private void Dispatch(string channel)
    {
        if (!_subscribers.TryGetValue(channel, out var handlers))
            return;
        foreach (var h in handlers)
        {
            try
            {
                h();
            }
            catch (Exception ex)
            {
                _log.LogError(ex, "A subscriber of {Channel} failed", channel);
            }
        }
    }

    /// <summary>One connection listens on every channel; when it is lost, it reconnects and wakes every subscriber,
    /// since a notice may have been missed meanwhile.</summary>
    private async Task ListenAsync(CancellationToken ct)
    {
        var listening = new HashSet<string>();
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var c = await _writes.OpenConnectionAsync(ct);
                c.Notification += (_, e) => Dispatch(e.Channel);
                listening.Clear();
                foreach (var channel in _subscribers.Keys)
                {
                    await c.ExecuteAsync($"LISTEN \"{channel}\"");
                    listening.Add(channel);
                }
                foreach (var channel in listening)
                    Dispatch(channel);
                while (!ct.IsCancellationRequested)
                {
                    await c.WaitAsync(TimeSpan.FromSeconds(5), ct);
                    foreach (var channel in _subscribers.Keys.Where(k => !listening.Contains(k)))
                    {
                        await c.ExecuteAsync($"LISTEN \"{channel}\"");
                        listening.Add(channel);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _log.LogWarning("Listening for other nodes' changes failed ({Error}); retrying", ex.Message);
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

    /// <summary>A session-level advisory lock on a dedicated connection: released when disposed, and by the server
    /// when the process dies (its connection closes), so another node can take over.</summary>
    public async Task<IClusterLock?> TryLockAsync(string name, CancellationToken ct = default)
    {
        var key = BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes(name)), 0);
        NpgsqlConnection? c = null;
        try
        {
            c = await _writes.OpenConnectionAsync(ct);
            if (await c.ExecuteScalarAsync<bool>("SELECT pg_try_advisory_lock(@key)", new { key }))
                return new AdvisoryLock(c, key);
            await c.DisposeAsync();
            return null;
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            if (c is not null)
                await c.DisposeAsync();
            throw new StoreUnavailableException("The database is unavailable.", ex);
        }
    }

    private sealed class AdvisoryLock(NpgsqlConnection connection, long key) : IClusterLock
    {
        public async Task<bool> IsHeldAsync(CancellationToken ct = default)
        {
            try
            {
                return await connection.ExecuteScalarAsync<int>("SELECT 1") == 1;
            }
            catch (Exception ex) when (IsUnavailable(ex) || ex is ObjectDisposedException)
            {
                return false;
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await connection.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key });
            }
            catch (Exception ex) when (IsUnavailable(ex)) { } // the lock went with the connection
            await connection.DisposeAsync();
        }
    }

    /// <summary>The batch statement alone, outside an explicit transaction: PostgreSQL commits it by itself, so a group
    /// costs one round trip instead of three (BEGIN, the insert, COMMIT).</summary>
    public async Task InsertAuditEventsAsync(IReadOnlyList<AuditEventRecord> events, CancellationToken ct = default)
    {
        try
        {
            await using var c = await _writes.OpenConnectionAsync(ct).ConfigureAwait(false);
            await new UnitOfWork(new DbSession(c, null, null), PostgresStatements.All)
                .Audit.InsertBatchAsync(events)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw new StoreUnavailableException("The database is unavailable.", ex);
        }
    }

    public async Task<bool> PingAsync(CancellationToken ct = default)
    {
        try
        {
            await using var c = await _reads.OpenConnectionAsync(ct);
            return await c.ExecuteScalarAsync<int>("SELECT 1") == 1;
        }
        catch (Exception ex) when (IsUnavailable(ex) || ex is OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        if (_listener is not null)
            await _listener.ContinueWith(_ => { });
        await _writes.DisposeAsync();
        await _reads.DisposeAsync();
    }
}
