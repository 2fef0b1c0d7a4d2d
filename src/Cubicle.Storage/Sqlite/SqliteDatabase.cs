using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Cubicle.Storage;

/// <summary>
/// The embedded engine: one SQLite file in WAL mode, for one node. One writer connection (writes take turns
/// behind a gate, so no SQLITE_BUSY spinning inside the process; other processes wait on SQLite's own lock) and
/// a pool of read-only connections that read concurrently. synchronous=FULL makes every commit durable before
/// the API answers; concurrent writes share a commit (group commit, see <see cref="WriteAsync"/>).
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

    /// <summary>
    /// Group commit: writers queue their work, and whoever holds the gate runs everything queued (up to
    /// <see cref="MaxGroup"/>) in one transaction, each unit in a savepoint of its own, so that concurrent writes
    /// share one durable commit (one fsync) instead of taking one each. A unit that fails is rolled back to its
    /// savepoint and fails alone; every unit answers only once the commit is durable.
    /// </summary>
    public async Task<T> WriteAsync<T>(Journal journal, Func<IUnitOfWork, Task<T>> work, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        var write = new QueuedWrite<T>(journal, work, ct);
        _queued.Enqueue(write);
        // Until a group takes this write (this caller's or another's): its outcome is then this call's.
        while (!write.IsStarted)
        {
            try
            {
                await _writeGate.WaitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (write.TryCancel())
            {
                throw;
            }
            catch (OperationCanceledException)
            {
                break;
            }
            List<IQueuedWrite> done = [];
            try
            {
                if (!write.IsStarted)
                    done = await RunGroupAsync().ConfigureAwait(false);
            }
            finally
            {
                _writeGate.Release();
            }
            // Outside the gate: the next group need not wait for the subscribers.
            foreach (var committed in done)
                committed.Complete(Dispatch);
        }
        return await write.Task.ConfigureAwait(false);
    }

    /// <summary>Units of work one commit takes at most (a group's latency is the sum of its units').</summary>
    private const int MaxGroup = 64;

    private readonly ConcurrentQueue<IQueuedWrite> _queued = new();

    /// <summary>Runs a group; returns the writes it committed, to complete once the gate is released (the failed
    /// ones are failed already).</summary>
    private async Task<List<IQueuedWrite>> RunGroupAsync()
    {
        var group = new List<IQueuedWrite>();
        while (group.Count < MaxGroup && _queued.TryDequeue(out var queued))
            if (queued.TryStart())
                group.Add(queued);
        if (group.Count == 0)
            return [];
        var alone = group.Count == 1;
        var done = new List<IQueuedWrite>(group.Count);
        SqliteTransaction? tx = null;
        try
        {
            tx = _writer.C.BeginTransaction(deferred: false);
            for (var i = 0; i < group.Count; i++)
            {
                var write = group[i];
                if (!alone)
                    tx.Save("unit");
                try
                {
                    var unit = new UnitOfWork(new DbSession(_writer.C, tx, _writer.Cache), SqliteStatements.All);
                    await write.RunAsync(unit).ConfigureAwait(false);
                }
                catch (Exception ex) when (!alone)
                {
                    // An error that ended the whole transaction (a full disk, an I/O error) leaves no savepoint to
                    // go back to: the group fails as one, with that error.
                    if (SQLitePCL.raw.sqlite3_get_autocommit(_writer.C.Handle) != 0)
                        ExceptionDispatchInfo.Throw(ex);
                    // Otherwise its own changes go and the others' stay.
                    tx.Rollback("unit");
                    tx.Release("unit");
                    write.Fail(Translate(ex));
                    continue;
                }
                if (!alone)
                    tx.Release("unit");
                done.Add(write);
            }
            if (done.Count > 0)
                tx.Commit();
        }
        catch (Exception ex)
        {
            var failure = Translate(ex);
            foreach (var write in group)
                write.Fail(failure);
            return [];
        }
        finally
        {
            try
            {
                tx?.Dispose(); // rolls back what was not committed
            }
            catch (SqliteException) { } // the transaction had already ended
        }
        return done;
    }

    /// <summary>The store's exceptions for SQLite's: a busy or failing database is unavailable (503), a unique key
    /// taken is a conflict; anything else (an ApiException of the work) is the work's own.</summary>
    private static Exception Translate(Exception ex) =>
        ex switch
        {
            SqliteException e when IsTransient(e) => new StoreUnavailableException(
                "The database is busy or unavailable.",
                e
            ),
            // 2067 and 1555: SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY.
            SqliteException e when e.SqliteExtendedErrorCode is 2067 or 1555 => new StoreConflictException(
                e.Message,
                e
            ),
            _ => ex,
        };

    private interface IQueuedWrite
    {
        bool TryStart();
        Task RunAsync(UnitOfWork unit);

        /// <summary>After the commit: the unit's notices go to <paramref name="dispatch"/>, then its caller
        /// resumes.</summary>
        void Complete(Action<string> dispatch);
        void Fail(Exception ex);
    }

    /// <summary>One caller's unit of work, waiting for a group to run it.</summary>
    private sealed class QueuedWrite<T>(Journal journal, Func<IUnitOfWork, Task<T>> work, CancellationToken ct)
        : IQueuedWrite
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _state; // 0 queued, 1 started, 2 cancelled

        // The caller's context (its request's log scope and trace), for its work run by another caller's group.
        private readonly ExecutionContext? _context = ExecutionContext.Capture();
        private T _result = default!;
        private UnitOfWork? _unit;

        public Task<T> Task => _done.Task;
        public bool IsStarted => Volatile.Read(ref _state) == 1;

        public bool TryStart() => Interlocked.CompareExchange(ref _state, 1, 0) == 0;

        public bool TryCancel()
        {
            if (Interlocked.CompareExchange(ref _state, 2, 0) != 0)
                return false;
            _done.TrySetCanceled(ct);
            return true;
        }

        public async Task RunAsync(UnitOfWork unit)
        {
            ct.ThrowIfCancellationRequested();
            _unit = unit;
            Task<T> running = null!;
            if (_context is null)
                running = work(unit);
            else
                ExecutionContext.Run(_context, _ => running = work(unit), null);
            _result = await running.ConfigureAwait(false);
            if (journal.EventFor(_result) is { } e)
                await unit.Audit.InsertAsync(e).ConfigureAwait(false);
        }

        public void Complete(Action<string> dispatch)
        {
            try
            {
                foreach (var channel in _unit?.Notices ?? [])
                    dispatch(channel);
                journal.Committed(_result);
                _done.TrySetResult(_result);
            }
            catch (Exception ex)
            {
                _done.TrySetException(ex);
            }
        }

        public void Fail(Exception ex) => _done.TrySetException(ex);
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
