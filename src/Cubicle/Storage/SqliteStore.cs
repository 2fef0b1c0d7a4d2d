using System.Collections.Concurrent;
using System.Text;
using Cubicle.Api;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Cubicle.Storage;

/// <summary>
/// The embedded store: one SQLite file in WAL mode. One writer connection (serialised by a gate,
/// so no SQLITE_BUSY spinning) and a small pool of reader connections that read concurrently.
/// synchronous=FULL makes every commit durable before the API answers.
/// </summary>
public sealed class SqliteStore : IStore
{
    private readonly string _connectionString;
    private readonly Conn _writer;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly ConcurrentBag<Conn> _readers = new();

    /// <summary>A connection and its prepared statements: hot statements are prepared once per
    /// connection and reused, instead of being parsed again on every call.</summary>
    private sealed class Conn(SqliteConnection connection) : IDisposable
    {
        public readonly SqliteConnection C = connection;
        private readonly Dictionary<string, SqliteCommand> _statements = new();

        public SqliteCommand Prepared(string sql, SqliteTransaction? tx, params string[] parameters)
        {
            if (!_statements.TryGetValue(sql, out var cmd))
            {
                cmd = C.CreateCommand();
                cmd.CommandText = sql;
                foreach (var p in parameters) cmd.Parameters.Add(new SqliteParameter(p, null));
                cmd.Prepare();
                _statements[sql] = cmd;
            }
            cmd.Transaction = tx;
            return cmd;
        }

        public void Dispose()
        {
            foreach (var cmd in _statements.Values) cmd.Dispose();
            C.Dispose();
        }
    }
    private readonly string _synchronous;

    static SqliteStore()
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
    }

    private readonly Func<WorkspaceRecord, byte[]>? _render;

    /// <param name="renderWorkspace">Renders a workspace as its API shape; stored with each row so a page is
    /// served without rebuilding it. Rows written without one are rendered when next opened with one.</param>
    public SqliteStore(string path, string synchronous = "FULL", Func<WorkspaceRecord, byte[]>? renderWorkspace = null)
    {
        _render = renderWorkspace;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _synchronous = synchronous;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString();
        _writer = Open();
        Schema.Migrate(_writer.C);
        if (_render is not null) RenderMissing();
    }

    private void RenderMissing()
    {
        var after = 0L;
        while (true)
        {
            var rows = _writer.C.Query<WorkspaceRecord>("SELECT * FROM workspaces WHERE seq>@after AND api_json IS NULL ORDER BY seq LIMIT 5000", new { after }).AsList();
            if (rows.Count == 0) return;
            after = rows[^1].Seq;
            using var tx = _writer.C.BeginTransaction();
            foreach (var ws in rows)
                _writer.C.Execute("UPDATE workspaces SET api_json=@json WHERE seq=@Seq", new { json = _render!(ws), ws.Seq }, tx);
            tx.Commit();
        }
    }

    private Conn Open()
    {
        var c = new SqliteConnection(_connectionString);
        c.Open();
        c.Execute($"PRAGMA journal_mode=WAL; PRAGMA synchronous={_synchronous}; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;");
        return new Conn(c);
    }

    public Task<T> ReadAsync<T>(Func<IStoreReader, T> read)
    {
        if (!_readers.TryTake(out var conn)) conn = Open();
        try
        {
            return Task.FromResult(read(new Session(conn, null)));
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

    public async Task<T> WriteAsync<T>(Func<IStoreTx, T> work)
    {
        await _writeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            using var tx = _writer.C.BeginTransaction(deferred: false);
            var result = work(new Session(_writer, tx, _render));
            tx.Commit();
            return result;
        }
        catch (SqliteException ex) when (IsTransient(ex))
        {
            throw new StoreUnavailableException("The database is busy or unavailable.", ex);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    // SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN: the request may succeed later.
    private static bool IsTransient(SqliteException ex) => ex.SqliteErrorCode is 5 or 6 or 10 or 13 or 14;

    public void Dispose()
    {
        _writer.Dispose();
        while (_readers.TryTake(out var c)) c.Dispose();
    }

    /// <summary>The queries, run on one connection (and transaction, for writes).</summary>
    private sealed class Session(Conn conn, SqliteTransaction? tx, Func<WorkspaceRecord, byte[]>? render = null) : IStoreTx
    {
        private readonly SqliteConnection c = conn.C;
        private const string WorkspaceColumns =
            "seq, workspace_id, account_id, region, directory_id, user_name, bundle_id, state, ip_address, subnet_id, computer_name, " +
            "running_mode, auto_stop_timeout, root_volume_size_gib, user_volume_size_gib, compute_type_name, protocols, operating_system_name, " +
            "root_volume_encryption_enabled, user_volume_encryption_enabled, volume_encryption_key, workspace_name, error_code, error_message, " +
            "created_at, state_changed_at, connection_state, connection_checked_at, last_connected_at, disconnected_at, terminated_at";

        public WorkspaceRecord? GetWorkspace(string accountId, string region, string workspaceId) =>
            c.QuerySingleOrDefault<WorkspaceRecord>(
                $"SELECT {WorkspaceColumns} FROM workspaces WHERE workspace_id=@workspaceId AND account_id=@accountId AND region=@region",
                new { accountId, region, workspaceId }, tx);

        public WorkspaceRecord? GetWorkspaceById(string workspaceId) =>
            c.QuerySingleOrDefault<WorkspaceRecord>($"SELECT {WorkspaceColumns} FROM workspaces WHERE workspace_id=@workspaceId", new { workspaceId }, tx);

        public WorkspaceRecord? GetWorkspaceBySeq(long seq) =>
            c.QuerySingleOrDefault<WorkspaceRecord>($"SELECT {WorkspaceColumns} FROM workspaces WHERE seq=@seq", new { seq }, tx);

        public List<WorkspaceRecord> ListWorkspaces(WorkspaceQuery q)
        {
            // Keyset pagination over seq, pinned (INDEXED BY) to an index that starts with the scope and
            // the filter: with statistics SQLite may prefer a rowid scan, which costs the whole table when
            // the caller's account is small and another is large. The cost is one page at any table size.
            if (q.WorkspaceIds is not null)
                return c.Query<WorkspaceRecord>(
                    $"SELECT {WorkspaceColumns} FROM workspaces INDEXED BY sqlite_autoindex_workspaces_1 WHERE account_id=@AccountId AND region=@Region AND seq>@AfterSeq AND workspace_id IN @WorkspaceIds ORDER BY seq LIMIT @Limit",
                    q, tx).AsList();
            var cmd = PageCommand(q, WorkspaceColumns);
            var list = new List<WorkspaceRecord>(Math.Min(q.Limit, 64));
            using var r = cmd.ExecuteReader();
            while (r.Read()) list.Add(ReadWorkspace(r));
            return list;
        }

        public List<(long Seq, byte[] Json)> ListWorkspaceJson(WorkspaceQuery q)
        {
            if (q.WorkspaceIds is not null)
                return c.Query<(long, byte[])>(
                    "SELECT seq, api_json FROM workspaces INDEXED BY sqlite_autoindex_workspaces_1 WHERE account_id=@AccountId AND region=@Region AND seq>@AfterSeq AND workspace_id IN @WorkspaceIds ORDER BY seq LIMIT @Limit",
                    q, tx).AsList();
            var cmd = PageCommand(q, "seq, api_json");
            var list = new List<(long, byte[])>(Math.Min(q.Limit, 64));
            using var r = cmd.ExecuteReader();
            while (r.Read()) list.Add((r.GetInt64(0), r.IsDBNull(1) ? "{}"u8.ToArray() : (byte[])r.GetValue(1)));
            return list;
        }

        /// <summary>The prepared keyset-page statement for a filter, with its parameters set.</summary>
        private SqliteCommand PageCommand(WorkspaceQuery q, string columns)
        {
            var (index, filter, value) = q switch
            {
                { UserName: not null } => ("ix_ws_user", " AND directory_id=$f AND user_name=$g", q.DirectoryId),
                { DirectoryId: not null } => ("ix_ws_directory", " AND directory_id=$f", q.DirectoryId),
                { BundleId: not null } => ("ix_ws_bundle", " AND bundle_id=$f", q.BundleId),
                { WorkspaceName: not null } => ("ix_ws_name", " AND workspace_name=$f", q.WorkspaceName),
                _ => ("ix_ws_scope", "", null),
            };
            var cmd = conn.Prepared(
                $"SELECT {columns} FROM workspaces INDEXED BY {index} WHERE account_id=$a AND region=$r AND seq>$s{filter} ORDER BY seq LIMIT $l",
                tx, "$a", "$r", "$s", "$f", "$g", "$l");
            cmd.Parameters["$a"].Value = q.AccountId;
            cmd.Parameters["$r"].Value = q.Region;
            cmd.Parameters["$s"].Value = q.AfterSeq;
            cmd.Parameters["$f"].Value = (object?)value ?? DBNull.Value;
            cmd.Parameters["$g"].Value = (object?)q.UserName ?? DBNull.Value;
            cmd.Parameters["$l"].Value = q.Limit;
            return cmd;
        }

        /// <summary>The columns of <see cref="WorkspaceColumns"/>, in order.</summary>
        private static WorkspaceRecord ReadWorkspace(SqliteDataReader r) => new()
        {
            Seq = r.GetInt64(0), WorkspaceId = r.GetString(1), AccountId = r.GetString(2), Region = r.GetString(3),
            DirectoryId = r.GetString(4), UserName = r.GetString(5), BundleId = r.GetString(6), State = r.GetString(7),
            IpAddress = Str(r, 8), SubnetId = Str(r, 9), ComputerName = Str(r, 10), RunningMode = r.GetString(11),
            AutoStopTimeout = Int(r, 12), RootVolumeSizeGib = Int(r, 13), UserVolumeSizeGib = Int(r, 14), ComputeTypeName = Str(r, 15),
            Protocols = Str(r, 16), OperatingSystemName = Str(r, 17), RootVolumeEncryptionEnabled = Bool(r, 18), UserVolumeEncryptionEnabled = Bool(r, 19),
            VolumeEncryptionKey = Str(r, 20), WorkspaceName = Str(r, 21), ErrorCode = Str(r, 22), ErrorMessage = Str(r, 23),
            CreatedAt = r.GetInt64(24), StateChangedAt = r.GetInt64(25), ConnectionState = r.GetString(26), ConnectionCheckedAt = Long(r, 27),
            LastConnectedAt = Long(r, 28), DisconnectedAt = Long(r, 29), TerminatedAt = Long(r, 30),
        };

        private static string? Str(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
        private static int? Int(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt32(i);
        private static long? Long(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);
        private static bool? Bool(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i) != 0;

        public DirectoryRecord? GetDirectory(string accountId, string region, string directoryId) =>
            c.QuerySingleOrDefault<DirectoryRecord>(
                "SELECT * FROM directories WHERE account_id=@accountId AND region=@region AND directory_id=@directoryId",
                new { accountId, region, directoryId }, tx);

        public List<DirectoryRecord> ListDirectories(string accountId, string region, IReadOnlyList<string>? ids, IReadOnlyList<string>? names, long afterSeq, int limit)
        {
            var sql = new StringBuilder("SELECT * FROM directories WHERE account_id=@accountId AND region=@region AND seq>@afterSeq");
            if (ids is not null) sql.Append(" AND directory_id IN @ids");
            if (names is not null) sql.Append(" AND directory_name IN @names");
            sql.Append(" ORDER BY seq LIMIT @limit");
            return c.Query<DirectoryRecord>(sql.ToString(), new { accountId, region, afterSeq, ids, names, limit }, tx).AsList();
        }

        public bool DirectoryHasUser(long directorySeq, string userName)
        {
            var cmd = conn.Prepared("SELECT EXISTS(SELECT 1 FROM directory_users WHERE directory_seq=$d AND user_name=$u)", tx, "$d", "$u");
            cmd.Parameters["$d"].Value = directorySeq; cmd.Parameters["$u"].Value = userName;
            return (long)cmd.ExecuteScalar()! != 0;
        }

        public bool HasActiveWorkspace(string accountId, string region, string directoryId, string userName)
        {
            var cmd = conn.Prepared(
                "SELECT EXISTS(SELECT 1 FROM workspaces INDEXED BY ix_ws_user WHERE account_id=$a AND region=$r AND directory_id=$d AND user_name=$u AND state<>'TERMINATED')",
                tx, "$a", "$r", "$d", "$u");
            cmd.Parameters["$a"].Value = accountId; cmd.Parameters["$r"].Value = region; cmd.Parameters["$d"].Value = directoryId; cmd.Parameters["$u"].Value = userName;
            return (long)cmd.ExecuteScalar()! != 0;
        }

        public int CountActiveWorkspaces(string accountId) =>
            (int)c.ExecuteScalar<long>("SELECT COALESCE((SELECT active_workspaces FROM account_usage WHERE account_id=@accountId),0)", new { accountId }, tx);

        public List<Tag> GetTags(string accountId, string region, string resourceId) =>
            c.Query<Tag>("SELECT key AS Key, value AS Value FROM tags WHERE account_id=@accountId AND region=@region AND resource_id=@resourceId ORDER BY key",
                new { accountId, region, resourceId }, tx).AsList();

        public long? NextTransitionDue() =>
            c.ExecuteScalar<long?>("SELECT MIN(due_at) FROM transitions", transaction: tx);

        public string? GetMeta(string key) =>
            c.ExecuteScalar<string?>("SELECT value FROM meta WHERE key=@key", new { key }, tx);

        private static readonly string[] InsertColumns =
        [
            "workspace_id", "account_id", "region", "directory_id", "user_name", "bundle_id", "state", "ip_address", "subnet_id",
            "computer_name", "running_mode", "auto_stop_timeout", "root_volume_size_gib", "user_volume_size_gib", "compute_type_name", "protocols",
            "operating_system_name", "root_volume_encryption_enabled", "user_volume_encryption_enabled", "volume_encryption_key", "workspace_name",
            "error_code", "error_message", "created_at", "state_changed_at", "connection_state", "connection_checked_at", "last_connected_at",
            "disconnected_at", "terminated_at", "api_json",
        ];
        private static readonly string InsertSql =
            $"INSERT INTO workspaces ({string.Join(", ", InsertColumns)}) VALUES ({string.Join(", ", InsertColumns.Select((_, i) => "$p" + i))}) RETURNING seq";
        private static readonly string[] InsertParameters = InsertColumns.Select((_, i) => "$p" + i).ToArray();

        public long InsertWorkspace(WorkspaceRecord ws)
        {
            var cmd = conn.Prepared(InsertSql, tx, InsertParameters);
            object?[] values =
            [
                ws.WorkspaceId, ws.AccountId, ws.Region, ws.DirectoryId, ws.UserName, ws.BundleId, ws.State, ws.IpAddress, ws.SubnetId,
                ws.ComputerName, ws.RunningMode, ws.AutoStopTimeout, ws.RootVolumeSizeGib, ws.UserVolumeSizeGib, ws.ComputeTypeName, ws.Protocols,
                ws.OperatingSystemName, ws.RootVolumeEncryptionEnabled, ws.UserVolumeEncryptionEnabled, ws.VolumeEncryptionKey, ws.WorkspaceName,
                ws.ErrorCode, ws.ErrorMessage, ws.CreatedAt, ws.StateChangedAt, ws.ConnectionState, ws.ConnectionCheckedAt, ws.LastConnectedAt,
                ws.DisconnectedAt, ws.TerminatedAt, render?.Invoke(ws), // the API shape needs nothing the database assigns
            ];
            for (var i = 0; i < values.Length; i++) cmd.Parameters[i].Value = values[i] ?? DBNull.Value;
            ws.Seq = (long)cmd.ExecuteScalar()!;
            return ws.Seq;
        }

        public void UpdateWorkspace(WorkspaceRecord ws) => c.Execute("""
            UPDATE workspaces SET state=@State, ip_address=@IpAddress, subnet_id=@SubnetId, running_mode=@RunningMode,
              auto_stop_timeout=@AutoStopTimeout, root_volume_size_gib=@RootVolumeSizeGib, user_volume_size_gib=@UserVolumeSizeGib,
              compute_type_name=@ComputeTypeName, protocols=@Protocols, operating_system_name=@OperatingSystemName,
              error_code=@ErrorCode, error_message=@ErrorMessage, state_changed_at=@StateChangedAt,
              connection_state=@ConnectionState, connection_checked_at=@ConnectionCheckedAt, last_connected_at=@LastConnectedAt,
              disconnected_at=@DisconnectedAt, terminated_at=@TerminatedAt, api_json=@ApiJson
            WHERE seq=@Seq
            """, new
            {
                ws.State, ws.IpAddress, ws.SubnetId, ws.RunningMode, ws.AutoStopTimeout, ws.RootVolumeSizeGib, ws.UserVolumeSizeGib,
                ws.ComputeTypeName, ws.Protocols, ws.OperatingSystemName, ws.ErrorCode, ws.ErrorMessage, ws.StateChangedAt,
                ws.ConnectionState, ws.ConnectionCheckedAt, ws.LastConnectedAt, ws.DisconnectedAt, ws.TerminatedAt, ws.Seq,
                ApiJson = render?.Invoke(ws),
            }, tx);

        public void DeleteWorkspace(WorkspaceRecord ws)
        {
            c.Execute("DELETE FROM transitions WHERE workspace_seq=@Seq", ws, tx);
            c.Execute("DELETE FROM tags WHERE account_id=@AccountId AND region=@Region AND resource_id=@WorkspaceId", ws, tx);
            c.Execute("DELETE FROM workspaces WHERE seq=@Seq", ws, tx);
        }

        public void ChangeActiveCount(string accountId, int delta) => c.Execute(
            "INSERT INTO account_usage(account_id, active_workspaces) VALUES (@accountId, MAX(@delta,0)) ON CONFLICT(account_id) DO UPDATE SET active_workspaces=MAX(active_workspaces+@delta,0)",
            new { accountId, delta }, tx);

        public long ScheduleTransition(long workspaceSeq, string kind, long dueAt)
        {
            var cmd = conn.Prepared("INSERT INTO transitions(workspace_seq, kind, due_at, attempts, created_at) VALUES ($w, $k, $d, 0, $d) RETURNING id", tx, "$w", "$k", "$d");
            cmd.Parameters["$w"].Value = workspaceSeq;
            cmd.Parameters["$k"].Value = kind;
            cmd.Parameters["$d"].Value = dueAt;
            return (long)cmd.ExecuteScalar()!;
        }

        public void CancelTransitions(long workspaceSeq, string[]? kinds = null)
        {
            if (kinds is null) c.Execute("DELETE FROM transitions WHERE workspace_seq=@workspaceSeq", new { workspaceSeq }, tx);
            else c.Execute("DELETE FROM transitions WHERE workspace_seq=@workspaceSeq AND kind IN @kinds", new { workspaceSeq, kinds }, tx);
        }

        public List<TransitionRecord> ClaimDueTransitions(long now, long leaseUntil, int max) => c.Query<TransitionRecord>("""
            UPDATE transitions SET lease_until=@leaseUntil, attempts=attempts+1
            WHERE id IN (SELECT id FROM transitions WHERE due_at<=@now AND (lease_until IS NULL OR lease_until<@now) ORDER BY due_at, id LIMIT @max)
            RETURNING *
            """, new { now, leaseUntil, max }, tx).AsList();

        public TransitionRecord? GetTransition(long id) =>
            c.QuerySingleOrDefault<TransitionRecord>("SELECT * FROM transitions WHERE id=@id", new { id }, tx);

        public void DeleteTransition(long id) => c.Execute("DELETE FROM transitions WHERE id=@id", new { id }, tx);

        public void RetryTransition(long id, long dueAt, string error) =>
            c.Execute("UPDATE transitions SET due_at=@dueAt, lease_until=NULL, last_error=@error WHERE id=@id", new { id, dueAt, error }, tx);

        public void ReleaseAllLeases() => c.Execute("UPDATE transitions SET lease_until=NULL WHERE lease_until IS NOT NULL", transaction: tx);

        public void PutTags(string accountId, string region, string resourceId, IEnumerable<Tag> tags)
        {
            foreach (var t in tags)
                c.Execute("INSERT INTO tags(account_id, region, resource_id, key, value) VALUES (@accountId, @region, @resourceId, @Key, @Value) ON CONFLICT DO UPDATE SET value=excluded.value",
                    new { accountId, region, resourceId, t.Key, Value = t.Value ?? "" }, tx);
        }

        public void DeleteTags(string accountId, string region, string resourceId, IEnumerable<string>? keys)
        {
            if (keys is null) c.Execute("DELETE FROM tags WHERE account_id=@accountId AND region=@region AND resource_id=@resourceId", new { accountId, region, resourceId }, tx);
            else
                foreach (var key in keys)
                    c.Execute("DELETE FROM tags WHERE account_id=@accountId AND region=@region AND resource_id=@resourceId AND key=@key", new { accountId, region, resourceId, key }, tx);
        }

        public SubnetRecord? GetSubnet(string accountId, string subnetId) =>
            c.QuerySingleOrDefault<SubnetRecord>("SELECT * FROM subnets WHERE account_id=@accountId AND subnet_id=@subnetId", new { accountId, subnetId }, tx);

        public void UpsertSubnet(SubnetRecord s, bool keepCursor) => c.Execute(keepCursor
            ? "INSERT INTO subnets(account_id, subnet_id, base, prefix, cursor) VALUES (@AccountId, @SubnetId, @Base, @Prefix, @Cursor) ON CONFLICT DO UPDATE SET base=excluded.base, prefix=excluded.prefix"
            : "INSERT INTO subnets(account_id, subnet_id, base, prefix, cursor) VALUES (@AccountId, @SubnetId, @Base, @Prefix, @Cursor) ON CONFLICT DO UPDATE SET base=excluded.base, prefix=excluded.prefix, cursor=excluded.cursor",
            s, tx);

        public bool IpInUse(string accountId, string subnetId, string ip)
        {
            var cmd = conn.Prepared(
                "SELECT EXISTS(SELECT 1 FROM workspaces WHERE account_id=$a AND subnet_id=$s AND ip_address=$i AND state<>'TERMINATED')", tx, "$a", "$s", "$i");
            cmd.Parameters["$a"].Value = accountId; cmd.Parameters["$s"].Value = subnetId; cmd.Parameters["$i"].Value = ip;
            return (long)cmd.ExecuteScalar()! != 0;
        }

        public void UpsertDirectory(DirectoryRecord d, IEnumerable<string> users)
        {
            d.Seq = c.ExecuteScalar<long>("""
                INSERT INTO directories(account_id, region, directory_id, directory_name, body) VALUES (@AccountId, @Region, @DirectoryId, @DirectoryName, @Body)
                ON CONFLICT(account_id, region, directory_id) DO UPDATE SET directory_name=excluded.directory_name, body=excluded.body;
                SELECT seq FROM directories WHERE account_id=@AccountId AND region=@Region AND directory_id=@DirectoryId;
                """, d, tx);
            // Users not in the file any more are removed; those that stay keep their password.
            var keep = users.ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var gone in c.Query<string>("SELECT user_name FROM directory_users WHERE directory_seq=@Seq", d, tx).Where(u => !keep.Contains(u)).ToList())
                c.Execute("DELETE FROM directory_users WHERE directory_seq=@seq AND user_name=@gone", new { seq = d.Seq, gone }, tx);
            foreach (var user in keep)
                c.Execute("INSERT OR IGNORE INTO directory_users(directory_seq, user_name) VALUES (@seq, @user)", new { seq = d.Seq, user }, tx);
        }

        public List<WorkspaceRecord> WorkspacesInState(string state, long afterSeq, int limit) =>
            c.Query<WorkspaceRecord>("SELECT * FROM workspaces INDEXED BY ix_ws_state WHERE state=@state AND seq>@afterSeq ORDER BY seq LIMIT @limit",
                new { state, afterSeq, limit }, tx).AsList();

        public int CountWorkspacesInStates(string[] states) =>
            (int)c.ExecuteScalar<long>("SELECT COUNT(*) FROM workspaces INDEXED BY ix_ws_state WHERE state IN @states", new { states }, tx);

        public List<DirectoryRecord> AllDirectories() => c.Query<DirectoryRecord>("SELECT * FROM directories ORDER BY seq", transaction: tx).AsList();

        public string? GetUserPasswordHash(long directorySeq, string userName) =>
            c.ExecuteScalar<string?>("SELECT password_hash FROM directory_users WHERE directory_seq=@directorySeq AND user_name=@userName", new { directorySeq, userName }, tx);

        public bool SetUserPasswordHash(long directorySeq, string userName, string hash) =>
            c.Execute("UPDATE directory_users SET password_hash=@hash WHERE directory_seq=@directorySeq AND user_name=@userName", new { directorySeq, userName, hash }, tx) > 0;

        public AccessKeyRecord? GetAccessKey(string accessKeyId) =>
            c.QuerySingleOrDefault<AccessKeyRecord>("SELECT * FROM access_keys WHERE access_key_id=@accessKeyId", new { accessKeyId }, tx);

        public List<AccessKeyRecord> ListAccessKeys(string? accountId) => c.Query<AccessKeyRecord>(
            "SELECT * FROM access_keys WHERE @accountId IS NULL OR account_id=@accountId ORDER BY account_id, created_at", new { accountId }, tx).AsList();

        public void InsertAccessKey(AccessKeyRecord key) => c.Execute(
            "INSERT INTO access_keys(access_key_id, account_id, secret_ciphertext, policy, user_name, created_at) VALUES (@AccessKeyId, @AccountId, @SecretCiphertext, @Policy, @UserName, @CreatedAt)", key, tx);

        public List<AuditEventRecord> LookupEvents(AuditQuery q)
        {
            var sql = new StringBuilder();
            switch (q.AttributeKey)
            {
                case "ResourceName" or "ResourceType":
                    var column = q.AttributeKey == "ResourceName" ? "resource_name" : "resource_type";
                    sql.Append($"SELECT DISTINCT e.* FROM audit_resources r JOIN audit_events e ON e.seq=r.event_seq WHERE r.account_id=@AccountId AND r.region=@Region AND r.{column}=@AttributeValue AND r.event_seq<@BeforeSeq");
                    break;
                default:
                    var (index, filter) = q.AttributeKey switch
                    {
                        "EventName" => ("ix_audit_name", " AND e.event_name=@AttributeValue"),
                        "Username" => ("ix_audit_user", " AND e.username=@AttributeValue"),
                        "AccessKeyId" => ("ix_audit_key", " AND e.access_key_id=@AttributeValue"),
                        // Dense attributes: newest-first over the scope finds a page of matches quickly.
                        "ReadOnly" => ("ix_audit_scope", " AND e.read_only=(@AttributeValue='true')"),
                        "EventSource" => ("ix_audit_scope", " AND e.event_source=@AttributeValue"),
                        "EventId" => ("sqlite_autoindex_audit_events_1", " AND e.event_id=@AttributeValue"),
                        _ => ("ix_audit_scope", ""),
                    };
                    sql.Append($"SELECT e.* FROM audit_events e INDEXED BY {index} WHERE e.account_id=@AccountId AND e.region=@Region AND e.seq<@BeforeSeq{filter}");
                    break;
            }
            if (q.StartMs is not null) sql.Append(" AND e.event_time>=@StartMs");
            if (q.EndMs is not null) sql.Append(" AND e.event_time<=@EndMs");
            sql.Append(" ORDER BY e.seq DESC LIMIT @Limit");
            return c.Query<AuditEventRecord>(sql.ToString(), q, tx).AsList();
        }

        public List<AuditEventRecord> UndeliveredEvents(long afterSeq, int max) =>
            c.Query<AuditEventRecord>("SELECT * FROM audit_events WHERE seq>@afterSeq ORDER BY seq LIMIT @max", new { afterSeq, max }, tx).AsList();

        public long CountEventsAfter(long afterSeq) =>
            c.ExecuteScalar<long>("SELECT COUNT(*) FROM audit_events WHERE seq>@afterSeq", new { afterSeq }, tx);

        public List<AuditFileRecord> UndigestedLogFiles(string accountId, string region) => c.Query<AuditFileRecord>(
            "SELECT * FROM audit_files WHERE account_id=@accountId AND region=@region AND kind='LOG' AND digest_seq IS NULL ORDER BY seq", new { accountId, region }, tx).AsList();

        public AuditFileRecord? LastDigest(string accountId, string region) => c.QuerySingleOrDefault<AuditFileRecord>(
            "SELECT * FROM audit_files WHERE account_id=@accountId AND region=@region AND kind='DIGEST' ORDER BY seq DESC LIMIT 1", new { accountId, region }, tx);

        public List<(string AccountId, string Region)> AuditScopes() =>
            c.Query<(string, string)>("SELECT DISTINCT account_id, region FROM audit_files", transaction: tx).AsList();

        public void InsertAuditEvent(AuditEventRecord e)
        {
            var cmd = conn.Prepared("""
                INSERT INTO audit_events(event_id, account_id, region, event_time, event_name, event_source, read_only, username, access_key_id, body, resources)
                VALUES ($id, $a, $r, $t, $n, $s, $ro, $u, $k, $b, $res) RETURNING seq
                """, tx, "$id", "$a", "$r", "$t", "$n", "$s", "$ro", "$u", "$k", "$b", "$res");
            var p = cmd.Parameters;
            p["$id"].Value = e.EventId; p["$a"].Value = e.AccountId; p["$r"].Value = e.Region; p["$t"].Value = e.EventTime;
            p["$n"].Value = e.EventName; p["$s"].Value = e.EventSource; p["$ro"].Value = e.ReadOnly ? 1 : 0;
            p["$u"].Value = (object?)e.Username ?? DBNull.Value; p["$k"].Value = (object?)e.AccessKeyId ?? DBNull.Value;
            p["$b"].Value = e.Body; p["$res"].Value = (object?)e.Resources ?? DBNull.Value;
            e.Seq = (long)cmd.ExecuteScalar()!;
            if (e.Resources is null) return;
            var res = conn.Prepared("INSERT INTO audit_resources(event_seq, account_id, region, resource_type, resource_name) VALUES ($e, $a, $r, $t, $n)",
                tx, "$e", "$a", "$r", "$t", "$n");
            foreach (var line in e.Resources.Split('\n'))
            {
                var tab = line.IndexOf('\t');
                res.Parameters["$e"].Value = e.Seq; res.Parameters["$a"].Value = e.AccountId; res.Parameters["$r"].Value = e.Region;
                res.Parameters["$t"].Value = line[..tab]; res.Parameters["$n"].Value = line[(tab + 1)..];
                res.ExecuteNonQuery();
            }
        }

        public void RecordLogFile(AuditFileRecord file) => file.Seq = InsertFile(file);

        public void RecordDigest(AuditFileRecord digest, IReadOnlyList<long> logFileSeqs)
        {
            digest.Seq = InsertFile(digest);
            c.Execute("UPDATE audit_files SET digest_seq=@digestSeq WHERE seq IN @logFileSeqs", new { digestSeq = digest.Seq, logFileSeqs }, tx);
        }

        private long InsertFile(AuditFileRecord f) => c.ExecuteScalar<long>("""
            INSERT INTO audit_files(account_id, region, kind, path, sha256, oldest_event_time, newest_event_time, created_at, signature)
            VALUES (@AccountId, @Region, @Kind, @Path, @Sha256, @OldestEventTime, @NewestEventTime, @CreatedAt, @Signature)
            ON CONFLICT(path) DO UPDATE SET sha256=excluded.sha256;
            SELECT seq FROM audit_files WHERE path=@Path;
            """, f, tx);

        public int DeleteAuditEventsBefore(long eventTimeMs, long deliveredThroughSeq) =>
            c.Execute("DELETE FROM audit_events WHERE event_time<@eventTimeMs AND seq<=@deliveredThroughSeq", new { eventTimeMs, deliveredThroughSeq }, tx);

        public bool DeleteAccessKey(string accessKeyId) =>
            c.Execute("DELETE FROM access_keys WHERE access_key_id=@accessKeyId", new { accessKeyId }, tx) > 0;

        public void SetMeta(string key, string value) =>
            c.Execute("INSERT INTO meta(key, value) VALUES (@key, @value) ON CONFLICT DO UPDATE SET value=excluded.value", new { key, value }, tx);
    }
}
