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
    private readonly SqliteConnection _writer;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly ConcurrentBag<SqliteConnection> _readers = new();
    private readonly string _synchronous;

    static SqliteStore()
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
    }

    public SqliteStore(string path, string synchronous = "FULL")
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _synchronous = synchronous;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString();
        _writer = Open();
        Schema.Migrate(_writer);
    }

    private SqliteConnection Open()
    {
        var c = new SqliteConnection(_connectionString);
        c.Open();
        c.Execute($"PRAGMA journal_mode=WAL; PRAGMA synchronous={_synchronous}; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;");
        return c;
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
            using var tx = _writer.BeginTransaction(deferred: false);
            var result = work(new Session(_writer, tx));
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
    private sealed class Session(SqliteConnection c, SqliteTransaction? tx) : IStoreTx
    {
        private const string WorkspaceColumns = "*";

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
            // Keyset pagination over seq through an index that starts with the scope and the filter:
            // the cost is one page, whatever the table holds.
            // INDEXED BY pins the plan: with statistics SQLite may prefer a rowid scan, which costs the
            // whole table when the caller's account is small and another is large.
            var index = q switch
            {
                { WorkspaceIds: not null } => "sqlite_autoindex_workspaces_1",
                { UserName: not null } => "ix_ws_user",
                { DirectoryId: not null } => "ix_ws_directory",
                { BundleId: not null } => "ix_ws_bundle",
                { WorkspaceName: not null } => "ix_ws_name",
                _ => "ix_ws_scope",
            };
            var sql = new StringBuilder($"SELECT {WorkspaceColumns} FROM workspaces INDEXED BY {index} WHERE account_id=@AccountId AND region=@Region AND seq>@AfterSeq");
            if (q.WorkspaceIds is not null) sql.Append(" AND workspace_id IN @WorkspaceIds");
            if (q.DirectoryId is not null) sql.Append(" AND directory_id=@DirectoryId");
            if (q.UserName is not null) sql.Append(" AND user_name=@UserName");
            if (q.BundleId is not null) sql.Append(" AND bundle_id=@BundleId");
            if (q.WorkspaceName is not null) sql.Append(" AND workspace_name=@WorkspaceName");
            sql.Append(" ORDER BY seq LIMIT @Limit");
            return c.Query<WorkspaceRecord>(sql.ToString(), q, tx).AsList();
        }

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

        public bool DirectoryHasUser(long directorySeq, string userName) =>
            c.ExecuteScalar<long>("SELECT COUNT(*) FROM directory_users WHERE directory_seq=@directorySeq AND user_name=@userName",
                new { directorySeq, userName }, tx) > 0;

        public bool HasActiveWorkspace(string accountId, string region, string directoryId, string userName) =>
            c.ExecuteScalar<long>(
                "SELECT COUNT(*) FROM workspaces WHERE account_id=@accountId AND region=@region AND directory_id=@directoryId AND user_name=@userName AND state<>'TERMINATED'",
                new { accountId, region, directoryId, userName }, tx) > 0;

        public int CountActiveWorkspaces(string accountId) =>
            (int)c.ExecuteScalar<long>("SELECT COALESCE((SELECT active_workspaces FROM account_usage WHERE account_id=@accountId),0)", new { accountId }, tx);

        public List<Tag> GetTags(string accountId, string region, string resourceId) =>
            c.Query<Tag>("SELECT key AS Key, value AS Value FROM tags WHERE account_id=@accountId AND region=@region AND resource_id=@resourceId ORDER BY key",
                new { accountId, region, resourceId }, tx).AsList();

        public long? NextTransitionDue() =>
            c.ExecuteScalar<long?>("SELECT MIN(due_at) FROM transitions", transaction: tx);

        public string? GetMeta(string key) =>
            c.ExecuteScalar<string?>("SELECT value FROM meta WHERE key=@key", new { key }, tx);

        public long InsertWorkspace(WorkspaceRecord ws)
        {
            ws.Seq = c.ExecuteScalar<long>("""
                INSERT INTO workspaces (workspace_id, account_id, region, directory_id, user_name, bundle_id, state, ip_address, subnet_id,
                  computer_name, running_mode, auto_stop_timeout, root_volume_size_gib, user_volume_size_gib, compute_type_name, protocols,
                  operating_system_name, root_volume_encryption_enabled, user_volume_encryption_enabled, volume_encryption_key, workspace_name,
                  error_code, error_message, created_at, state_changed_at, connection_state, connection_checked_at, last_connected_at,
                  disconnected_at, terminated_at)
                VALUES (@WorkspaceId, @AccountId, @Region, @DirectoryId, @UserName, @BundleId, @State, @IpAddress, @SubnetId,
                  @ComputerName, @RunningMode, @AutoStopTimeout, @RootVolumeSizeGib, @UserVolumeSizeGib, @ComputeTypeName, @Protocols,
                  @OperatingSystemName, @RootVolumeEncryptionEnabled, @UserVolumeEncryptionEnabled, @VolumeEncryptionKey, @WorkspaceName,
                  @ErrorCode, @ErrorMessage, @CreatedAt, @StateChangedAt, @ConnectionState, @ConnectionCheckedAt, @LastConnectedAt,
                  @DisconnectedAt, @TerminatedAt);
                SELECT last_insert_rowid();
                """, ws, tx);
            return ws.Seq;
        }

        public void UpdateWorkspace(WorkspaceRecord ws) => c.Execute("""
            UPDATE workspaces SET state=@State, ip_address=@IpAddress, subnet_id=@SubnetId, running_mode=@RunningMode,
              auto_stop_timeout=@AutoStopTimeout, root_volume_size_gib=@RootVolumeSizeGib, user_volume_size_gib=@UserVolumeSizeGib,
              compute_type_name=@ComputeTypeName, protocols=@Protocols, operating_system_name=@OperatingSystemName,
              error_code=@ErrorCode, error_message=@ErrorMessage, state_changed_at=@StateChangedAt,
              connection_state=@ConnectionState, connection_checked_at=@ConnectionCheckedAt, last_connected_at=@LastConnectedAt,
              disconnected_at=@DisconnectedAt, terminated_at=@TerminatedAt
            WHERE seq=@Seq
            """, ws, tx);

        public void DeleteWorkspace(WorkspaceRecord ws)
        {
            c.Execute("DELETE FROM transitions WHERE workspace_seq=@Seq", ws, tx);
            c.Execute("DELETE FROM tags WHERE account_id=@AccountId AND region=@Region AND resource_id=@WorkspaceId", ws, tx);
            c.Execute("DELETE FROM workspaces WHERE seq=@Seq", ws, tx);
        }

        public void ChangeActiveCount(string accountId, int delta) => c.Execute(
            "INSERT INTO account_usage(account_id, active_workspaces) VALUES (@accountId, MAX(@delta,0)) ON CONFLICT(account_id) DO UPDATE SET active_workspaces=MAX(active_workspaces+@delta,0)",
            new { accountId, delta }, tx);

        public long ScheduleTransition(long workspaceSeq, string kind, long dueAt) => c.ExecuteScalar<long>(
            "INSERT INTO transitions(workspace_seq, kind, due_at, attempts, created_at) VALUES (@workspaceSeq, @kind, @dueAt, 0, @dueAt); SELECT last_insert_rowid();",
            new { workspaceSeq, kind, dueAt }, tx);

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

        public bool IpInUse(string accountId, string subnetId, string ip) =>
            c.ExecuteScalar<long>("SELECT COUNT(*) FROM workspaces WHERE account_id=@accountId AND subnet_id=@subnetId AND ip_address=@ip AND state<>'TERMINATED'",
                new { accountId, subnetId, ip }, tx) > 0;

        public void UpsertDirectory(DirectoryRecord d, IEnumerable<string> users)
        {
            d.Seq = c.ExecuteScalar<long>("""
                INSERT INTO directories(account_id, region, directory_id, directory_name, body) VALUES (@AccountId, @Region, @DirectoryId, @DirectoryName, @Body)
                ON CONFLICT(account_id, region, directory_id) DO UPDATE SET directory_name=excluded.directory_name, body=excluded.body;
                SELECT seq FROM directories WHERE account_id=@AccountId AND region=@Region AND directory_id=@DirectoryId;
                """, d, tx);
            c.Execute("DELETE FROM directory_users WHERE directory_seq=@Seq", d, tx);
            foreach (var user in users)
                c.Execute("INSERT OR IGNORE INTO directory_users(directory_seq, user_name) VALUES (@seq, @user)", new { seq = d.Seq, user }, tx);
        }

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
                        "ReadOnly" => ("ix_audit_readonly", " AND e.read_only=(@AttributeValue='true')"),
                        "EventSource" => ("ix_audit_source", " AND e.event_source=@AttributeValue"),
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

        public List<AuditEventRecord> UndeliveredEvents(int max) =>
            c.Query<AuditEventRecord>("SELECT * FROM audit_events INDEXED BY ix_audit_undelivered WHERE file_seq IS NULL ORDER BY seq LIMIT @max", new { max }, tx).AsList();

        public long CountUndeliveredEvents() =>
            c.ExecuteScalar<long>("SELECT COUNT(*) FROM audit_events INDEXED BY ix_audit_undelivered WHERE file_seq IS NULL", transaction: tx);

        public List<AuditFileRecord> UndigestedLogFiles(string accountId, string region) => c.Query<AuditFileRecord>(
            "SELECT * FROM audit_files WHERE account_id=@accountId AND region=@region AND kind='LOG' AND digest_seq IS NULL ORDER BY seq", new { accountId, region }, tx).AsList();

        public AuditFileRecord? LastDigest(string accountId, string region) => c.QuerySingleOrDefault<AuditFileRecord>(
            "SELECT * FROM audit_files WHERE account_id=@accountId AND region=@region AND kind='DIGEST' ORDER BY seq DESC LIMIT 1", new { accountId, region }, tx);

        public List<(string AccountId, string Region)> AuditScopes() =>
            c.Query<(string, string)>("SELECT DISTINCT account_id, region FROM audit_files", transaction: tx).AsList();

        public void InsertAuditEvent(AuditEventRecord e)
        {
            e.Seq = c.ExecuteScalar<long>("""
                INSERT INTO audit_events(event_id, account_id, region, event_time, event_name, event_source, read_only, username, access_key_id, body, resources)
                VALUES (@EventId, @AccountId, @Region, @EventTime, @EventName, @EventSource, @ReadOnly, @Username, @AccessKeyId, @Body, @Resources);
                SELECT last_insert_rowid();
                """, e, tx);
            if (e.Resources is null) return;
            foreach (var line in e.Resources.Split('\n'))
            {
                var tab = line.IndexOf('\t');
                c.Execute("INSERT INTO audit_resources(event_seq, account_id, region, resource_type, resource_name) VALUES (@Seq, @AccountId, @Region, @type, @name)",
                    new { e.Seq, e.AccountId, e.Region, type = line[..tab], name = line[(tab + 1)..] }, tx);
            }
        }

        public void RecordLogFile(AuditFileRecord file, IReadOnlyList<long> eventSeqs)
        {
            file.Seq = InsertFile(file);
            c.Execute("UPDATE audit_events SET file_seq=@fileSeq WHERE seq IN @eventSeqs", new { fileSeq = file.Seq, eventSeqs }, tx);
        }

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

        public int DeleteAuditEventsBefore(long eventTimeMs) =>
            c.Execute("DELETE FROM audit_events WHERE event_time<@eventTimeMs AND file_seq IS NOT NULL", new { eventTimeMs }, tx);

        public bool DeleteAccessKey(string accessKeyId) =>
            c.Execute("DELETE FROM access_keys WHERE access_key_id=@accessKeyId", new { accessKeyId }, tx) > 0;

        public void SetMeta(string key, string value) =>
            c.Execute("INSERT INTO meta(key, value) VALUES (@key, @value) ON CONFLICT DO UPDATE SET value=excluded.value", new { key, value }, tx);
    }
}
