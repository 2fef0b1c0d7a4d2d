using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Cubicle.Storage;

/// <summary>
/// The embedded engine: one SQLite file in WAL mode, for one node. One writer connection (writes take turns
/// behind a gate, so no SQLITE_BUSY spinning inside the process; other processes wait on SQLite's own lock) and
/// a pool of read-only connections that read concurrently. synchronous=FULL makes every commit durable before
/// the API answers.
/// </summary>
public sealed class SqliteDatabase : IDatabase
{
    private readonly string _connectionString;
    private readonly string _synchronous;
    private readonly string _lockFolder;
    private readonly Connection _writer;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly ConcurrentBag<Connection> _readers = new();
    private readonly ConcurrentDictionary<string, Action[]> _subscribers = new();

    private sealed class Connection(SqliteConnection c) : IDisposable
    {
        public readonly SqliteConnection C = c;
        public readonly StatementCache Cache = new();

        public void Dispose()
        {
            Cache.Dispose();
            C.Dispose();
        }
    }

    public SqliteDatabase(string path, string synchronous = "FULL")
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        _lockFolder = Path.Combine(folder, "locks");
        _synchronous = synchronous;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString();
        _writer = Open(readOnly: false);
        SqliteMigrations.Migrate(_writer.C);
    }

    public string Engine => "sqlite";

    private Connection Open(bool readOnly)
    {
        var c = new SqliteConnection(_connectionString);
        c.Open();
        c.Execute(
            $"PRAGMA journal_mode=WAL; PRAGMA synchronous={_synchronous}; PRAGMA busy_timeout=10000; "
                + $"PRAGMA foreign_keys=ON; PRAGMA query_only={(readOnly ? 1 : 0)};"
        );
        return new Connection(c);
    }

    public async Task<T> ReadAsync<T>(Func<IUnitOfWork, Task<T>> read, CancellationToken ct = default)
    {
        if (!_readers.TryTake(out var conn))
            conn = Open(readOnly: true);
        try
        {
            return await read(new UnitOfWork(new DbSession(conn.C, null, conn.Cache), SqliteStatements.All))
                .ConfigureAwait(false);
        }
        catch (SqliteException ex) when (IsTransient(ex))
        {
            throw new StoreUnavailableException("The database is busy or unavailable.", ex);
        }
        finally
        {
            _readers.Add(conn);
        }
    }

    public async Task<T> WriteAsync<T>(Journal journal, Func<IUnitOfWork, Task<T>> work, CancellationToken ct = default)
    {
        UnitOfWork unit;
        T result;
        await _writeGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            using var tx = _writer.C.BeginTransaction(deferred: false);
            unit = new UnitOfWork(new DbSession(_writer.C, tx, _writer.Cache), SqliteStatements.All);
            result = await work(unit).ConfigureAwait(false);
            if (journal.EventFor(result) is { } e)
                await unit.Audit.InsertAsync(e).ConfigureAwait(false);
            tx.Commit();
        }
        catch (SqliteException ex) when (IsTransient(ex))
        {
            throw new StoreUnavailableException("The database is busy or unavailable.", ex);
        }
        // 2067 and 1555: SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY.
        catch (SqliteException ex) when (ex.SqliteExtendedErrorCode is 2067 or 1555)
        {
            throw new StoreConflictException(ex.Message, ex);
        }
        finally
        {
            _writeGate.Release();
        }
        journal.Committed(result);
        foreach (var channel in unit.Notices)
            Dispatch(channel);
        return result;
    }

    // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN: the request may succeed later.
    private static bool IsTransient(SqliteException ex) => ex.SqliteErrorCode is 5 or 6 or 10 or 13 or 14;

    public void Subscribe(string channel, Action handler) =>
        _subscribers.AddOrUpdate(channel, [handler], (_, list) => [.. list, handler]);

    private void Dispatch(string channel)
    {
        if (_subscribers.TryGetValue(channel, out var handlers))
            foreach (var h in handlers)
                h();
    }

    /// <summary>A file lock next to the database: SQLite serves one node, but several processes (a server,
    /// the operator's commands) may open the same file.</summary>
    public Task<IClusterLock?> TryLockAsync(string name, CancellationToken ct = default)
    {
        Directory.CreateDirectory(_lockFolder);
        var file = Path.Combine(
            _lockFolder,
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..24] + ".lock"
        );
        try
        {
            // FileShare.None is an exclusive flock on Unix: released by the kernel when the process dies.
            var stream = new FileStream(file, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return Task.FromResult<IClusterLock?>(new FileLock(stream));
        }
        catch (IOException)
        {
            return Task.FromResult<IClusterLock?>(null);
        }
    }

    private sealed class FileLock(FileStream stream) : IClusterLock
    {
        public Task<bool> IsHeldAsync(CancellationToken ct = default) => Task.FromResult(true);

        public ValueTask DisposeAsync() => stream.DisposeAsync();
    }

    public Task InsertAuditEventsAsync(IReadOnlyList<AuditEventRecord> events, CancellationToken ct = default) =>
        WriteAsync(
            Journal.Service,
            async u =>
            {
                await u.Audit.InsertBatchAsync(events);
                return 0;
            },
            ct
        );

    public Task<bool> PingAsync(CancellationToken ct = default)
    {
        if (!_readers.TryTake(out var conn))
            conn = Open(readOnly: true);
        try
        {
            return Task.FromResult(conn.C.ExecuteScalar<long>("SELECT count(*) FROM sqlite_schema") >= 0);
        }
        catch (SqliteException)
        {
            return Task.FromResult(false);
        }
        finally
        {
            _readers.Add(conn);
        }
    }

    public ValueTask DisposeAsync()
    {
        _writer.Dispose();
        while (_readers.TryTake(out var c))
            c.Dispose();
        return ValueTask.CompletedTask;
    }
}
