namespace Cubicle.Storage;

/// <summary>
/// Every statement, as SQLite runs it. List queries name their index (INDEXED BY): with statistics SQLite may
/// prefer a rowid scan, which costs the whole table when the caller's account is small and another is large;
/// pinned, a page costs the same at any table size.
/// </summary>
internal static class SqliteStatements
{
    private const string WorkspaceColumns =
        "seq, workspace_id, account_id, region, directory_id, user_name, bundle_id, state, ip_address, subnet_id, "
        + "computer_name, running_mode, auto_stop_timeout, root_volume_size_gib, user_volume_size_gib, "
        + "compute_type_name, "
        + "protocols, operating_system_name, root_volume_encryption_enabled, user_volume_encryption_enabled, "
        + "volume_encryption_key, workspace_name, error_code, error_message, created_at, state_changed_at, "
        + "connection_state, "
        + "connection_checked_at, last_connected_at, disconnected_at, terminated_at, host_id, version";

    // CAST makes the JSON an expression rather than a table's column: Microsoft.Data.Sqlite's GetBytes then reads the
    // value the row already holds, where for a column it opens the row again as an incremental BLOB (which compiles
    // a statement at every call, twice a row: half the CPU of a page).
    private const string RenderedColumns = "seq, CAST(api_json AS BLOB), api_json_version";

    // No LIMIT: the index gives the rows in seq order and SQLite steps one row at a time, so the store stops
    // reading after the page. A bound LIMIT would make SQLite prepare the statement again at every execution
    // (the planner uses the bound value, so rebinding it expires the statement).
    private static string Page(string columns, string index, string filter) =>
        $"SELECT {columns} FROM workspaces INDEXED BY {index} WHERE account_id=@a AND region=@r AND seq>@s{filter} "
        + "ORDER BY seq";

    private static Dictionary<WorkspaceFilter, string> Pages(string columns) =>
        new()
        {
            [WorkspaceFilter.Scope] = Page(columns, "ix_ws_scope", ""),
            [WorkspaceFilter.Directory] = Page(columns, "ix_ws_directory", " AND directory_id=@f"),
            [WorkspaceFilter.User] = Page(columns, "ix_ws_user", " AND directory_id=@f AND user_name=@g"),
            [WorkspaceFilter.Bundle] = Page(columns, "ix_ws_bundle", " AND bundle_id=@f"),
            [WorkspaceFilter.Name] = Page(columns, "ix_ws_name", " AND workspace_name=@f"),
        };

    private const string ByIds =
        "FROM workspaces INDEXED BY sqlite_autoindex_workspaces_1 WHERE account_id=@AccountId AND region=@Region "
        + "AND seq>@AfterSeq AND workspace_id IN @WorkspaceIds ORDER BY seq LIMIT @Limit";

    private const string Delivered =
        "COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key='audit-delivered-through'), 0)";

    // One writer commits events in seq order, so the events waiting for a position are those past the last one given.
    private const string PositionedSeq =
        "COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key='audit-positioned-seq'), 0)";

    private const string LookupBase =
        "SELECT e.* FROM audit_events e INDEXED BY {0} WHERE e.account_id=@AccountId AND e.region=@Region "
        + "AND e.seq<@BeforeSeq";

    private static string Lookup(string index, string filter) => string.Format(LookupBase, index) + filter;

    private static string LookupResource(string column) =>
        "SELECT DISTINCT e.* FROM audit_resources r JOIN audit_events e ON e.seq=r.event_seq "
        + $"WHERE r.account_id=@AccountId AND r.region=@Region AND r.{column}=@AttributeValue "
        + "AND r.event_seq<@BeforeSeq";

    public static readonly Statements All = new()
    {
        Workspaces = new WorkspaceSql
        {
            Get =
                $"SELECT {WorkspaceColumns} FROM workspaces "
                + "WHERE workspace_id=@workspaceId AND account_id=@accountId AND region=@region",
            GetById = $"SELECT {WorkspaceColumns} FROM workspaces WHERE workspace_id=@workspaceId",
            GetBySeq = $"SELECT {WorkspaceColumns} FROM workspaces WHERE seq=@seq",
            GetBySeqs = $"SELECT {WorkspaceColumns} FROM workspaces WHERE seq IN @seqs ORDER BY seq",
            ListByIds = $"SELECT {WorkspaceColumns} {ByIds}",
            RenderedByIds = $"SELECT seq AS Seq, CAST(api_json AS BLOB) AS Json, api_json_version AS Version {ByIds}",
            Pages = Pages(WorkspaceColumns),
            RenderedPages = Pages(RenderedColumns),
            StaleRendered =
                $"SELECT {WorkspaceColumns} FROM workspaces "
                + "WHERE api_json_version<>@version AND seq>@afterSeq ORDER BY seq LIMIT @limit",
            InState =
                $"SELECT {WorkspaceColumns} FROM workspaces INDEXED BY ix_ws_state "
                + "WHERE state=@state AND seq>@afterSeq ORDER BY seq LIMIT @limit",
            HasActive =
                "SELECT EXISTS(SELECT 1 FROM workspaces INDEXED BY ix_ws_user WHERE account_id=@a AND region=@r "
                + "AND directory_id=@d AND user_name=@u AND state<>'TERMINATED')",
            CountActiveInDirectory =
                "SELECT COUNT(*) FROM workspaces INDEXED BY ix_ws_directory WHERE account_id=@accountId "
                + "AND region=@region AND directory_id=@directoryId AND state<>'TERMINATED'",
            LockAccount =
                "INSERT INTO account_usage(account_id, active_workspaces) VALUES (@accountId, 0) "
                + "ON CONFLICT(account_id) DO UPDATE SET account_id=excluded.account_id RETURNING active_workspaces",
            ChangeActiveCount =
                "INSERT INTO account_usage(account_id, active_workspaces) VALUES (@accountId, MAX(@delta, 0)) "
                + "ON CONFLICT(account_id) DO UPDATE SET active_workspaces=MAX(active_workspaces + @delta, 0)",
            CountOnHost =
                "SELECT COUNT(*) FROM workspaces INDEXED BY ix_ws_host WHERE host_id=@hostId AND state IN @states",
            CountInStates = "SELECT COUNT(*) FROM workspaces INDEXED BY ix_ws_state WHERE state IN @states",
            IpInUse =
                "SELECT EXISTS(SELECT 1 FROM workspaces WHERE account_id=@a AND subnet_id=@s AND ip_address=@i "
                + "AND state<>'TERMINATED')",
            Insert = """
                INSERT INTO workspaces(workspace_id, account_id, region, directory_id, user_name, bundle_id, state,
                  ip_address, subnet_id, computer_name, running_mode, auto_stop_timeout, root_volume_size_gib,
                  user_volume_size_gib, compute_type_name, protocols, operating_system_name,
                  root_volume_encryption_enabled,
                  user_volume_encryption_enabled, volume_encryption_key, workspace_name, error_code, error_message,
                  created_at, state_changed_at, connection_state, connection_checked_at, last_connected_at,
                  disconnected_at, terminated_at, host_id, api_json, api_json_version)
                VALUES (@WorkspaceId, @AccountId, @Region, @DirectoryId, @UserName, @BundleId, @State,
                  @IpAddress, @SubnetId, @ComputerName, @RunningMode, @AutoStopTimeout, @RootVolumeSizeGib,
                  @UserVolumeSizeGib, @ComputeTypeName, @Protocols, @OperatingSystemName, @RootVolumeEncryptionEnabled,
                  @UserVolumeEncryptionEnabled, @VolumeEncryptionKey, @WorkspaceName, @ErrorCode, @ErrorMessage,
                  @CreatedAt, @StateChangedAt, @ConnectionState, @ConnectionCheckedAt, @LastConnectedAt,
                  @DisconnectedAt, @TerminatedAt, @HostId, @ApiJson, @ApiJsonVersion)
                RETURNING seq
                """,
            Update = """
                UPDATE workspaces SET state=@State, ip_address=@IpAddress, subnet_id=@SubnetId,
                  running_mode=@RunningMode,
                  auto_stop_timeout=@AutoStopTimeout, root_volume_size_gib=@RootVolumeSizeGib,
                  user_volume_size_gib=@UserVolumeSizeGib, compute_type_name=@ComputeTypeName, protocols=@Protocols,
                  operating_system_name=@OperatingSystemName, error_code=@ErrorCode, error_message=@ErrorMessage,
                  state_changed_at=@StateChangedAt, connection_state=@ConnectionState,
                  connection_checked_at=@ConnectionCheckedAt, last_connected_at=@LastConnectedAt,
                  disconnected_at=@DisconnectedAt, terminated_at=@TerminatedAt, host_id=@HostId,
                  api_json=@ApiJson, api_json_version=@ApiJsonVersion, version=version+1
                WHERE seq=@Seq AND version=@Version
                """,
            Delete = "DELETE FROM workspace_snapshots WHERE workspace_seq=@seq; DELETE FROM workspaces WHERE seq=@seq",
            AddSnapshot =
                "INSERT INTO workspace_snapshots(workspace_seq, taken_at) VALUES (@seq, @takenAt) "
                + "ON CONFLICT DO NOTHING",
            PruneSnapshots =
                "DELETE FROM workspace_snapshots WHERE workspace_seq=@seq AND taken_at NOT IN "
                + "(SELECT taken_at FROM workspace_snapshots WHERE workspace_seq=@seq ORDER BY taken_at DESC LIMIT 3)",
            Snapshots = "SELECT taken_at FROM workspace_snapshots WHERE workspace_seq=@seq ORDER BY taken_at DESC",
        },
        Directories = new DirectorySql
        {
            Get =
                "SELECT * FROM directories WHERE account_id=@accountId AND region=@region "
                + "AND directory_id=@directoryId",
            GetBySeq = "SELECT * FROM directories WHERE seq=@seq",
            List =
                "SELECT * FROM directories WHERE account_id=@accountId AND region=@region AND seq>@afterSeq "
                + "ORDER BY seq LIMIT @limit",
            ListByIds =
                "SELECT * FROM directories WHERE account_id=@accountId AND region=@region AND seq>@afterSeq "
                + "AND directory_id IN @ids ORDER BY seq LIMIT @limit",
            ListByNames =
                "SELECT * FROM directories WHERE account_id=@accountId AND region=@region AND seq>@afterSeq "
                + "AND directory_name IN @names ORDER BY seq LIMIT @limit",
            ListByIdsAndNames =
                "SELECT * FROM directories WHERE account_id=@accountId AND region=@region "
                + "AND seq>@afterSeq AND directory_id IN @ids AND directory_name IN @names ORDER BY seq LIMIT @limit",
            FindByRegistrationCode = "SELECT * FROM directories WHERE registration_code=lower(@code) ORDER BY seq",
            Insert =
                "INSERT INTO directories(account_id, region, directory_id, directory_name, registration_code, body) "
                + "VALUES (@AccountId, @Region, @DirectoryId, @DirectoryName, lower(@RegistrationCode), @Body) "
                + "RETURNING seq",
            Update =
                "UPDATE directories SET directory_name=@DirectoryName, registration_code=lower(@RegistrationCode), "
                + "body=@Body, version=version+1 "
                + "WHERE seq=@Seq AND version=@Version",
            Delete = "DELETE FROM directories WHERE seq=@seq",
            GetSubnet = "SELECT * FROM subnets WHERE account_id=@accountId AND subnet_id=@subnetId",
            UpsertSubnetKeepCursor =
                "INSERT INTO subnets(account_id, subnet_id, base, prefix, cursor) "
                + "VALUES (@AccountId, @SubnetId, @Base, @Prefix, @Cursor) "
                + "ON CONFLICT DO UPDATE SET base=excluded.base, prefix=excluded.prefix",
            UpsertSubnet =
                "INSERT INTO subnets(account_id, subnet_id, base, prefix, cursor) "
                + "VALUES (@AccountId, @SubnetId, @Base, @Prefix, @Cursor) "
                + "ON CONFLICT DO UPDATE SET base=excluded.base, prefix=excluded.prefix, cursor=excluded.cursor",
        },
        DsDirectories = new DsDirectorySql
        {
            Get =
                "SELECT * FROM ds_directories WHERE account_id=@accountId AND region=@region "
                + "AND directory_id=@directoryId",
            GetBySeq = "SELECT * FROM ds_directories WHERE seq=@seq",
            List =
                "SELECT * FROM ds_directories WHERE account_id=@accountId AND region=@region AND seq>@afterSeq "
                + "ORDER BY seq LIMIT @limit",
            ListByIds =
                "SELECT * FROM ds_directories WHERE account_id=@accountId AND region=@region AND seq>@afterSeq "
                + "AND directory_id IN @ids ORDER BY seq LIMIT @limit",
            Insert = """
                INSERT INTO ds_directories(account_id, region, directory_id, type, name, short_name, description,
                  size, alias,
                  stage, stage_reason, launch_time, stage_changed_at, vpc_id, subnet_ids, security_group_id, dns_ips,
                  customer_dns_ips, customer_user_name, secret_ciphertext, data_access, sid_prefix, next_rid)
                VALUES (@AccountId, @Region, @DirectoryId, @Type, @Name, @ShortName, @Description, @Size, @Alias,
                  @Stage, @StageReason, @LaunchTime, @StageChangedAt, @VpcId, @SubnetIds, @SecurityGroupId, @DnsIps,
                  @CustomerDnsIps, @CustomerUserName, @SecretCiphertext, @DataAccess, @SidPrefix, @NextRid)
                RETURNING seq
                """,
            Update = """
                UPDATE ds_directories SET name=@Name, short_name=@ShortName, description=@Description, size=@Size,
                  alias=@Alias, stage=@Stage, stage_reason=@StageReason, stage_changed_at=@StageChangedAt,
                  vpc_id=@VpcId,
                  subnet_ids=@SubnetIds, security_group_id=@SecurityGroupId, dns_ips=@DnsIps,
                  customer_dns_ips=@CustomerDnsIps, customer_user_name=@CustomerUserName,
                  secret_ciphertext=@SecretCiphertext, data_access=@DataAccess, version=version+1
                WHERE seq=@Seq AND version=@Version
                """,
            Delete = "DELETE FROM ds_directories WHERE seq=@seq",
            TakeRid = "UPDATE ds_directories SET next_rid=next_rid+1 WHERE seq=@seq RETURNING next_rid-1",
            GetUser = "SELECT * FROM ds_users WHERE directory_seq=@seq AND user_name=@user",
            ListUsers = "SELECT * FROM ds_users WHERE directory_seq=@seq AND rid>@after ORDER BY rid LIMIT @limit",
            InsertUser = """
                INSERT INTO ds_users(directory_seq, user_name, rid, sid, given_name, surname, email, enabled,
                  other_attributes,
                  password_hash, created_at, updated_at)
                VALUES (@DirectorySeq, @UserName, @Rid, @Sid, @GivenName, @Surname, @Email, @Enabled, @OtherAttributes,
                  @PasswordHash, @CreatedAt, @UpdatedAt)
                ON CONFLICT DO NOTHING
                """,
            UpdateUser = """
                UPDATE ds_users SET given_name=@GivenName, surname=@Surname, email=@Email, enabled=@Enabled,
                  other_attributes=@OtherAttributes, password_hash=@PasswordHash, updated_at=@UpdatedAt,
                  version=version+1
                WHERE directory_seq=@DirectorySeq AND user_name=@UserName AND version=@Version
                """,
            DeleteUser = "DELETE FROM ds_users WHERE directory_seq=@seq AND user_name=@user",
        },
        Tags = new TagSql
        {
            Get =
                "SELECT key AS Key, value AS Value FROM tags "
                + "WHERE account_id=@accountId AND region=@region AND resource_id=@resourceId ORDER BY key",
            Put =
                "INSERT INTO tags(account_id, region, resource_id, key, value) "
                + "VALUES (@accountId, @region, @resourceId, @Key, @Value) ON CONFLICT DO UPDATE "
                + "SET value=excluded.value",
            DeleteKey =
                "DELETE FROM tags WHERE account_id=@accountId AND region=@region "
                + "AND resource_id=@resourceId AND key=@key",
            DeleteAll = "DELETE FROM tags WHERE account_id=@accountId AND region=@region AND resource_id=@resourceId",
        },
        Keys = new AccessKeySql
        {
            Get = "SELECT * FROM access_keys WHERE access_key_id=@accessKeyId",
            List =
                "SELECT * FROM access_keys WHERE @accountId IS NULL OR account_id=@accountId "
                + "ORDER BY account_id, created_at",
            Insert =
                "INSERT INTO access_keys(access_key_id, account_id, secret_ciphertext, policy, user_name, created_at) "
                + "VALUES (@AccessKeyId, @AccountId, @SecretCiphertext, @Policy, @UserName, @CreatedAt)",
            Delete = "DELETE FROM access_keys WHERE access_key_id=@accessKeyId",
            KeyRing = "SELECT xml FROM key_ring ORDER BY created_at, name",
            AddToKeyRing =
                "INSERT INTO key_ring(name, xml, created_at) VALUES (@name, @xml, @createdAt) "
                + "ON CONFLICT(name) DO NOTHING",
        },
        Jobs = new JobSql
        {
            Schedule =
                "INSERT INTO jobs(subject, subject_seq, kind, due_at, attempts, host_id, created_at) "
                + "VALUES (@subject, @subjectSeq, @kind, @dueAt, 0, @hostId, @createdAt) RETURNING id",
            CancelAll = "DELETE FROM jobs WHERE subject=@subject AND subject_seq=@subjectSeq",
            CancelKinds = "DELETE FROM jobs WHERE subject=@subject AND subject_seq=@subjectSeq AND kind IN @kinds",
            Claim = """
                UPDATE jobs SET lease_owner=@owner, lease_until=@leaseUntil, attempts=attempts+1
                WHERE id IN (SELECT id FROM jobs WHERE due_at<=@now AND (lease_until IS NULL OR lease_until<@now)
                             AND (host_id IS NULL OR host_id=@hostId) ORDER BY due_at, id LIMIT @max)
                RETURNING *
                """,
            Renew =
                "UPDATE jobs SET lease_until=@leaseUntil WHERE id=@id AND lease_owner=@owner AND attempts=@attempts",
            Get = "SELECT * FROM jobs WHERE id=@id",
            Delete = "DELETE FROM jobs WHERE id=@id",
            Retry = "UPDATE jobs SET due_at=@dueAt, lease_owner=NULL, lease_until=NULL, last_error=@error WHERE id=@id",
            NextDue =
                "SELECT MIN(CASE WHEN lease_until IS NULL THEN due_at ELSE MAX(due_at, lease_until) END) FROM jobs "
                + "WHERE host_id IS NULL OR host_id=@hostId",
            CountByKind = "SELECT kind, COUNT(*) FROM jobs GROUP BY kind",
            ReleaseNode =
                "UPDATE jobs SET lease_owner=NULL, lease_until=NULL "
                + "WHERE substr(lease_owner, 1, length(@prefix))=@prefix",
        },
        Audit = new AuditSql
        {
            // No RETURNING: SQLite runs RETURNING as a trigger, which gives every insert a statement journal (a copy of
            // each page it changes). The second statement answers the seq, or nothing when the event was skipped.
            Insert =
                "INSERT INTO audit_events(event_id, account_id, region, event_time, event_name, event_source, "
                + "read_only, username, access_key_id, body, resources) "
                + "VALUES (@id, @a, @r, @t, @n, @s, @ro, @u, @k, @b, @res); SELECT last_insert_rowid()",
            InsertIfAbsent =
                "INSERT INTO audit_events(event_id, account_id, region, event_time, event_name, event_source, "
                + "read_only, username, access_key_id, body, resources) "
                + "VALUES (@id, @a, @r, @t, @n, @s, @ro, @u, @k, @b, @res) ON CONFLICT(event_id) DO NOTHING; "
                + "SELECT CASE changes() WHEN 0 THEN NULL ELSE last_insert_rowid() END",
            InsertResource =
                "INSERT INTO audit_resources(event_seq, account_id, region, resource_type, resource_name) "
                + "VALUES (@e, @a, @r, @t, @n)",
            Lookup = new Dictionary<string, string>
            {
                [""] = Lookup("ix_audit_scope", ""),
                ["EventName"] = Lookup("ix_audit_name", " AND e.event_name=@AttributeValue"),
                ["Username"] = Lookup("ix_audit_user", " AND e.username=@AttributeValue"),
                ["AccessKeyId"] = Lookup("ix_audit_key", " AND e.access_key_id=@AttributeValue"),
                // Dense attributes: newest-first over the scope finds a page of matches quickly.
                ["ReadOnly"] = Lookup("ix_audit_scope", " AND e.read_only=(@AttributeValue='true')"),
                ["EventSource"] = Lookup("ix_audit_scope", " AND e.event_source=@AttributeValue"),
                ["EventId"] = Lookup("sqlite_autoindex_audit_events_1", " AND e.event_id=@AttributeValue"),
                ["ResourceName"] = LookupResource("resource_name"),
                ["ResourceType"] = LookupResource("resource_type"),
            },
            LookupStart = " AND e.event_time>=@StartMs",
            LookupEnd = " AND e.event_time<=@EndMs",
            LookupOrder = " ORDER BY e.seq DESC LIMIT @Limit",
            PositionCounter =
                "INSERT INTO meta(key, value) VALUES ('audit-positioned-through', '0') "
                + "ON CONFLICT(key) DO UPDATE SET value=value RETURNING CAST(value AS INTEGER)",
            Position = $"""
                INSERT INTO audit_positions(pos, seq)
                SELECT @base + row_number() OVER (ORDER BY seq), seq
                FROM (SELECT seq FROM audit_events WHERE seq > {PositionedSeq} ORDER BY seq LIMIT @max)
                """,
            AfterPosition =
                "INSERT INTO meta(key, value) VALUES ('audit-positioned-seq', "
                + "(SELECT seq FROM audit_positions WHERE pos=@pos)) ON CONFLICT(key) DO UPDATE "
                + "SET value=excluded.value",
            SetPositionCounter = "UPDATE meta SET value=@pos WHERE key='audit-positioned-through'",
            Positioned =
                "SELECT p.pos, e.* FROM audit_positions p JOIN audit_events e ON e.seq=p.seq "
                + "WHERE p.pos>@afterPos AND p.pos<=@throughPos ORDER BY p.pos LIMIT @limit",
            PositionedThrough =
                "SELECT COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key='audit-positioned-through'), 0)",
            DeliveredThrough = $"SELECT {Delivered}",
            SetDeliveredThrough =
                "INSERT INTO meta(key, value) VALUES ('audit-delivered-through', @pos) "
                + "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            CountUndelivered =
                $"SELECT (SELECT COUNT(*) FROM audit_events WHERE seq>{PositionedSeq}) + "
                + $"(SELECT COUNT(*) FROM audit_positions WHERE pos>{Delivered})",
            OldestUndeliveredTime =
                "SELECT MIN(event_time) FROM (SELECT event_time FROM audit_events "
                + $"WHERE seq>{PositionedSeq} ORDER BY seq LIMIT 1) AS w",
            InsertFile = """
                INSERT INTO audit_files(account_id, region, kind, path, sha256, oldest_event_time, newest_event_time,
                  created_at, signature, content)
                VALUES (@AccountId, @Region, @Kind, @Path, @Sha256, @OldestEventTime, @NewestEventTime, @CreatedAt,
                  @Signature,
                  @Content)
                ON CONFLICT(path) DO UPDATE SET sha256=excluded.sha256
                RETURNING seq
                """,
            MarkDigested = "UPDATE audit_files SET digest_seq=@digestSeq WHERE seq IN @logFileSeqs",
            UndigestedLogFiles =
                "SELECT * FROM audit_files WHERE account_id=@accountId AND region=@region AND kind='LOG' "
                + "AND digest_seq IS NULL ORDER BY seq",
            LastDigest =
                "SELECT * FROM audit_files WHERE account_id=@accountId AND region=@region AND kind='DIGEST' "
                + "ORDER BY seq DESC LIMIT 1",
            Scopes = "SELECT DISTINCT account_id, region FROM audit_files",
            DeletePositionsBefore =
                $"DELETE FROM audit_positions WHERE pos<={Delivered} "
                + "AND seq IN (SELECT seq FROM audit_events WHERE event_time<@eventTimeMs)",
            DeleteDeliveredBefore =
                $"DELETE FROM audit_events WHERE event_time<@eventTimeMs AND seq<={PositionedSeq} "
                + "AND NOT EXISTS (SELECT 1 FROM audit_positions p WHERE p.seq=audit_events.seq)",
        },
        Hosts = new HostSql
        {
            Upsert =
                "INSERT INTO hosts(name, url, started_at, heartbeat_at, capacity) "
                + "VALUES (@Name, @Url, @StartedAt, @HeartbeatAt, @Capacity) ON CONFLICT(name) DO UPDATE SET "
                + "url=excluded.url, started_at=excluded.started_at, heartbeat_at=excluded.heartbeat_at, "
                + "capacity=excluded.capacity",
            // A write transaction already excludes every other writer.
            Lock = "SELECT 1 FROM hosts WHERE name=@name",
            List = "SELECT * FROM hosts ORDER BY name",
        },
        Sessions = new SessionSql
        {
            Insert =
                "INSERT INTO sessions(id_hash, kind, account_id, region, subject, directory_id, user_name, created_at, "
                + "expires_at) VALUES (@IdHash, @Kind, @AccountId, @Region, @Subject, @DirectoryId, @UserName, "
                + "@CreatedAt, @ExpiresAt)",
            Get = "SELECT * FROM sessions WHERE id_hash=@idHash",
            Delete = "DELETE FROM sessions WHERE id_hash=@idHash",
            DeleteBySubject = "DELETE FROM sessions WHERE kind=@kind AND subject=@subject",
            DeleteByUser =
                "DELETE FROM sessions WHERE account_id=@accountId AND region=@region "
                + "AND directory_id=@directoryId AND user_name=@userName",
            DeleteExpired = "DELETE FROM sessions WHERE expires_at<@now",
            GetFailures = "SELECT failures, locked_until, updated_at FROM signin_failures WHERE key=@key",
            AddFailure = """
                INSERT INTO signin_failures(key, failures, locked_until, updated_at) VALUES (@key, 1, 0, @now)
                ON CONFLICT(key) DO UPDATE SET updated_at=excluded.updated_at,
                  failures=CASE WHEN signin_failures.updated_at < @now - 3600000 THEN 1
                    ELSE signin_failures.failures + 1 END
                RETURNING failures
                """,
            SetLockedUntil = "UPDATE signin_failures SET locked_until=@lockedUntil WHERE key=@key",
            PutFailures =
                "INSERT INTO signin_failures(key, failures, locked_until, updated_at) "
                + "VALUES (@key, @Failures, @LockedUntil, @UpdatedAt) ON CONFLICT(key) DO UPDATE SET "
                + "failures=excluded.failures, locked_until=excluded.locked_until, updated_at=excluded.updated_at",
            ClearFailures = "DELETE FROM signin_failures WHERE key=@key",
            // Counts start again after an hour without failure: rows past that, and not locked, count nothing.
            PruneFailures = "DELETE FROM signin_failures WHERE updated_at < @now - 3600000 AND locked_until < @now",
        },
    };
}
