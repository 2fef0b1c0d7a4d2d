namespace Cubicle.Storage;

/// <summary>
/// Every statement, as PostgreSQL runs it. Where several nodes could race, statements lock what they check:
/// claims skip rows another node is claiming (FOR UPDATE SKIP LOCKED), upserts lock the row they return.
/// Case-insensitive user names compare lower(user_name), which the indexes cover.
/// </summary>
internal static class PostgresStatements
{
    private const string WorkspaceColumns =
        "seq, workspace_id, account_id, region, directory_id, user_name, bundle_id, state, ip_address, subnet_id, "
        + "computer_name, running_mode, auto_stop_timeout, root_volume_size_gib, user_volume_size_gib, "
        + "compute_type_name, "
        + "protocols, operating_system_name, root_volume_encryption_enabled, user_volume_encryption_enabled, "
        + "volume_encryption_key, workspace_name, error_code, error_message, created_at, state_changed_at, "
        + "connection_state, "
        + "connection_checked_at, last_connected_at, disconnected_at, terminated_at, host_id, version";

    private const string RenderedColumns = "seq, api_json, api_json_version";

    private static string Page(string columns, string filter) =>
        $"SELECT {columns} FROM workspaces WHERE account_id=@a AND region=@r AND seq>@s{filter} "
        + "ORDER BY seq LIMIT @l";

    private static Dictionary<WorkspaceFilter, string> Pages(string columns) =>
        new()
        {
            [WorkspaceFilter.Scope] = Page(columns, ""),
            [WorkspaceFilter.Directory] = Page(columns, " AND directory_id=@f"),
            [WorkspaceFilter.User] = Page(columns, " AND directory_id=@f AND lower(user_name)=lower(@g)"),
            [WorkspaceFilter.Bundle] = Page(columns, " AND bundle_id=@f"),
            [WorkspaceFilter.Name] = Page(columns, " AND workspace_name=@f"),
        };

    private const string ByIds =
        "FROM workspaces WHERE account_id=@AccountId AND region=@Region "
        + "AND seq>@AfterSeq AND workspace_id = ANY(@WorkspaceIds) ORDER BY seq LIMIT @Limit";

    private const string Delivered =
        "COALESCE((SELECT value::bigint FROM meta WHERE key='audit-delivered-through'), 0)";

    private const string LookupBase =
        "SELECT e.* FROM audit_events e WHERE e.account_id=@AccountId AND e.region=@Region AND e.seq<@BeforeSeq";

    private static string Lookup(string filter) => LookupBase + filter;

    private static string LookupResource(string column) =>
        "SELECT DISTINCT e.* FROM audit_resources r JOIN audit_events e ON e.seq=r.event_seq "
        + $"WHERE r.account_id=@AccountId AND r.region=@Region AND r.{column}=@AttributeValue "
        + "AND r.event_seq<@BeforeSeq";

    /// <summary>The statements of reads.</summary>
    public static readonly Statements All = new()
    {
        Workspaces = new WorkspaceSql
        {
            Get =
                $"SELECT {WorkspaceColumns} FROM workspaces "
                + "WHERE workspace_id=@workspaceId AND account_id=@accountId AND region=@region",
            GetById = $"SELECT {WorkspaceColumns} FROM workspaces WHERE workspace_id=@workspaceId",
            GetBySeq = $"SELECT {WorkspaceColumns} FROM workspaces WHERE seq=@seq",
            GetBySeqs = $"SELECT {WorkspaceColumns} FROM workspaces WHERE seq = ANY(@seqs) ORDER BY seq",
            ListByIds = $"SELECT {WorkspaceColumns} {ByIds}",
            RenderedByIds = $"SELECT seq AS Seq, api_json AS Json, api_json_version AS Version {ByIds}",
            Pages = Pages(WorkspaceColumns),
            RenderedPages = Pages(RenderedColumns),
            StaleRendered =
                $"SELECT {WorkspaceColumns} FROM workspaces "
                + "WHERE api_json_version<>@version AND seq>@afterSeq ORDER BY seq LIMIT @limit",
            InState =
                $"SELECT {WorkspaceColumns} FROM workspaces "
                + "WHERE state=@state AND seq>@afterSeq ORDER BY seq LIMIT @limit",
            HasActive =
                "SELECT EXISTS(SELECT 1 FROM workspaces WHERE account_id=@a AND region=@r "
                + "AND directory_id=@d AND lower(user_name)=lower(@u) AND state<>'TERMINATED')",
            CountActiveInDirectory =
                "SELECT COUNT(*) FROM workspaces WHERE account_id=@accountId "
                + "AND region=@region AND directory_id=@directoryId AND state<>'TERMINATED'",
            LockAccount =
                "INSERT INTO account_usage(account_id, active_workspaces) VALUES (@accountId, 0) "
                + "ON CONFLICT(account_id) DO UPDATE SET account_id=excluded.account_id RETURNING active_workspaces",
            ChangeActiveCount =
                "INSERT INTO account_usage(account_id, active_workspaces) VALUES (@accountId, GREATEST(@delta, 0)) "
                + "ON CONFLICT(account_id) DO UPDATE "
                + "SET active_workspaces=GREATEST(account_usage.active_workspaces + @delta, 0)",
            CountOnHost = "SELECT COUNT(*) FROM workspaces WHERE host_id=@hostId AND state = ANY(@states)",
            CountInStates = "SELECT COUNT(*) FROM workspaces WHERE state = ANY(@states)",
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
                + "AND directory_id = ANY(@ids) ORDER BY seq LIMIT @limit",
            ListByNames =
                "SELECT * FROM directories WHERE account_id=@accountId AND region=@region AND seq>@afterSeq "
                + "AND directory_name = ANY(@names) ORDER BY seq LIMIT @limit",
            ListByIdsAndNames =
                "SELECT * FROM directories WHERE account_id=@accountId AND region=@region "
                + "AND seq>@afterSeq AND directory_id = ANY(@ids) AND directory_name = ANY(@names) "
                + "ORDER BY seq LIMIT @limit",
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
                + "ON CONFLICT (account_id, subnet_id) DO UPDATE SET base=excluded.base, prefix=excluded.prefix",
            UpsertSubnet =
                "INSERT INTO subnets(account_id, subnet_id, base, prefix, cursor) "
                + "VALUES (@AccountId, @SubnetId, @Base, @Prefix, @Cursor) "
                + "ON CONFLICT (account_id, subnet_id) DO UPDATE "
                + "SET base=excluded.base, prefix=excluded.prefix, cursor=excluded.cursor",
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
                + "AND directory_id = ANY(@ids) ORDER BY seq LIMIT @limit",
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
            GetUser = "SELECT * FROM ds_users WHERE directory_seq=@seq AND lower(user_name)=lower(@user)",
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
                WHERE directory_seq=@DirectorySeq AND lower(user_name)=lower(@UserName) AND version=@Version
                """,
            DeleteUser = "DELETE FROM ds_users WHERE directory_seq=@seq AND lower(user_name)=lower(@user)",
        },
        Tags = new TagSql
        {
            Get =
                "SELECT key AS Key, value AS Value FROM tags "
                + "WHERE account_id=@accountId AND region=@region AND resource_id=@resourceId ORDER BY key",
            Put =
                "INSERT INTO tags(account_id, region, resource_id, key, value) "
                + "VALUES (@accountId, @region, @resourceId, @Key, @Value) "
                + "ON CONFLICT (account_id, region, resource_id, key) DO UPDATE SET value=excluded.value",
            DeleteKey =
                "DELETE FROM tags WHERE account_id=@accountId AND region=@region "
                + "AND resource_id=@resourceId AND key=@key",
            DeleteAll = "DELETE FROM tags WHERE account_id=@accountId AND region=@region AND resource_id=@resourceId",
        },
        Keys = new AccessKeySql
        {
            Get = "SELECT * FROM access_keys WHERE access_key_id=@accessKeyId",
            List =
                "SELECT * FROM access_keys WHERE @accountId::text IS NULL OR account_id=@accountId "
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
            CancelKinds = "DELETE FROM jobs WHERE subject=@subject AND subject_seq=@subjectSeq AND kind = ANY(@kinds)",
            Claim = """
                UPDATE jobs SET lease_owner=@owner, lease_until=@leaseUntil, attempts=attempts+1
                WHERE id IN (SELECT id FROM jobs WHERE due_at<=@now AND (lease_until IS NULL OR lease_until<@now)
                             AND (host_id IS NULL OR host_id=@hostId) ORDER BY due_at, id LIMIT @max
                             FOR UPDATE SKIP LOCKED)
                RETURNING *
                """,
            Renew =
                "UPDATE jobs SET lease_until=@leaseUntil WHERE id=@id AND lease_owner=@owner AND attempts=@attempts",
            Get = "SELECT * FROM jobs WHERE id=@id",
            Delete = "DELETE FROM jobs WHERE id=@id",
            Retry = "UPDATE jobs SET due_at=@dueAt, lease_owner=NULL, lease_until=NULL, last_error=@error WHERE id=@id",
            NextDue =
                "SELECT MIN(CASE WHEN lease_until IS NULL THEN due_at "
                + "ELSE GREATEST(due_at, lease_until) END) FROM jobs "
                + "WHERE host_id IS NULL OR host_id=@hostId",
            CountByKind = "SELECT kind, COUNT(*) FROM jobs GROUP BY kind",
            ReleaseNode =
                "UPDATE jobs SET lease_owner=NULL, lease_until=NULL " + "WHERE starts_with(lease_owner, @prefix)",
        },
        Audit = new AuditSql
        {
            // An event waits for its position in audit_waiting, committed with it: visible exactly when the event is.
            Insert =
                "WITH e AS (INSERT INTO audit_events(event_id, account_id, region, event_time, event_name, "
                + "event_source, read_only, username, access_key_id, body, resources) "
                + "VALUES (@id, @a, @r, @t, @n, @s, @ro, @u, @k, @b, @res) RETURNING seq) "
                + "INSERT INTO audit_waiting(seq) SELECT seq FROM e RETURNING seq",
            InsertIfAbsent =
                "WITH e AS (INSERT INTO audit_events(event_id, account_id, region, event_time, event_name, "
                + "event_source, read_only, username, access_key_id, body, resources) "
                + "VALUES (@id, @a, @r, @t, @n, @s, @ro, @u, @k, @b, @res) "
                + "ON CONFLICT (event_id) DO NOTHING RETURNING seq) "
                + "INSERT INTO audit_waiting(seq) SELECT seq FROM e RETURNING seq",
            // Sequence numbers follow the arrays' order (WITH ORDINALITY ... ORDER BY), as one insert after another
            // would.
            InsertBatch = """
                WITH e AS (
                  INSERT INTO audit_events(event_id, account_id, region, event_time, event_name, event_source,
                    read_only,
                    username, access_key_id, body, resources)
                  SELECT id, a, r, t, n, s, ro, u, k, b, res
                  FROM unnest(@id::text[], @a::text[], @r::text[], @t::bigint[], @n::text[], @s::text[], @ro::boolean[],
                    @u::text[], @k::text[], @b::text[], @res::text[])
                    WITH ORDINALITY AS x(id, a, r, t, n, s, ro, u, k, b, res, i)
                  ORDER BY i
                  ON CONFLICT (event_id) DO NOTHING
                  RETURNING seq, account_id, region, resources),
                w AS (INSERT INTO audit_waiting(seq) SELECT seq FROM e)
                INSERT INTO audit_resources(event_seq, account_id, region, resource_type, resource_name)
                SELECT e.seq, e.account_id, e.region, split_part(line, E'\t', 1), split_part(line, E'\t', 2)
                FROM e CROSS JOIN LATERAL unnest(string_to_array(e.resources, E'\n')) AS line
                WHERE e.resources IS NOT NULL
                """,
            InsertResource =
                "INSERT INTO audit_resources(event_seq, account_id, region, resource_type, resource_name) "
                + "VALUES (@e, @a, @r, @t, @n)",
            Lookup = new Dictionary<string, string>
            {
                [""] = Lookup(""),
                ["EventName"] = Lookup(" AND e.event_name=@AttributeValue"),
                ["Username"] = Lookup(" AND e.username=@AttributeValue"),
                ["AccessKeyId"] = Lookup(" AND e.access_key_id=@AttributeValue"),
                // Dense attributes: newest-first over the scope finds a page of matches quickly.
                ["ReadOnly"] = Lookup(" AND e.read_only=(@AttributeValue='true')"),
                ["EventSource"] = Lookup(" AND e.event_source=@AttributeValue"),
                ["EventId"] = Lookup(" AND e.event_id=@AttributeValue"),
                ["ResourceName"] = LookupResource("resource_name"),
                ["ResourceType"] = LookupResource("resource_type"),
            },
            LookupStart = " AND e.event_time>=@StartMs",
            LookupEnd = " AND e.event_time<=@EndMs",
            LookupOrder = " ORDER BY e.seq DESC LIMIT @Limit",
            PositionCounter =
                "INSERT INTO meta(key, value) VALUES ('audit-positioned-through', '0') "
                + "ON CONFLICT(key) DO UPDATE SET value=meta.value RETURNING value::bigint",
            Position = """
                WITH waiting AS (SELECT seq FROM audit_waiting ORDER BY seq LIMIT @max FOR UPDATE),
                     taken AS (DELETE FROM audit_waiting w USING waiting WHERE w.seq = waiting.seq RETURNING w.seq)
                INSERT INTO audit_positions(pos, seq) SELECT @base + row_number() OVER (ORDER BY seq), seq FROM taken
                """,
            SetPositionCounter = "UPDATE meta SET value=@pos WHERE key='audit-positioned-through'",
            Positioned =
                "SELECT p.pos, e.* FROM audit_positions p JOIN audit_events e ON e.seq=p.seq "
                + "WHERE p.pos>@afterPos AND p.pos<=@throughPos ORDER BY p.pos LIMIT @limit",
            PositionedThrough =
                "SELECT COALESCE((SELECT value::bigint FROM meta WHERE key='audit-positioned-through'), 0)",
            DeliveredThrough = $"SELECT {Delivered}",
            SetDeliveredThrough =
                "INSERT INTO meta(key, value) VALUES ('audit-delivered-through', @pos) "
                + "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            CountUndelivered =
                "SELECT (SELECT COUNT(*) FROM audit_waiting) + "
                + $"(SELECT COUNT(*) FROM audit_positions WHERE pos>{Delivered})",
            OldestUndeliveredTime =
                "SELECT MIN(e.event_time) FROM (SELECT seq FROM audit_waiting ORDER BY seq LIMIT 1) AS w "
                + "JOIN audit_events e ON e.seq = w.seq",
            InsertFile = """
                INSERT INTO audit_files(account_id, region, kind, path, sha256, oldest_event_time, newest_event_time,
                  created_at, signature, content)
                VALUES (@AccountId, @Region, @Kind, @Path, @Sha256, @OldestEventTime, @NewestEventTime, @CreatedAt,
                  @Signature,
                  @Content)
                ON CONFLICT(path) DO UPDATE SET sha256=excluded.sha256
                RETURNING seq
                """,
            MarkDigested = "UPDATE audit_files SET digest_seq=@digestSeq WHERE seq = ANY(@logFileSeqs)",
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
                "DELETE FROM audit_events e WHERE e.event_time<@eventTimeMs "
                + "AND NOT EXISTS (SELECT 1 FROM audit_positions p WHERE p.seq=e.seq) "
                + "AND NOT EXISTS (SELECT 1 FROM audit_waiting w WHERE w.seq=e.seq)",
        },
        Hosts = new HostSql
        {
            Upsert =
                "INSERT INTO hosts(name, url, started_at, heartbeat_at, capacity) "
                + "VALUES (@Name, @Url, @StartedAt, @HeartbeatAt, @Capacity) ON CONFLICT(name) DO UPDATE SET "
                + "url=excluded.url, started_at=excluded.started_at, heartbeat_at=excluded.heartbeat_at, "
                + "capacity=excluded.capacity",
            Lock = "SELECT 1 FROM hosts WHERE name=@name FOR UPDATE",
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
                + "AND directory_id=@directoryId AND lower(user_name)=lower(@userName)",
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

    private const string Lock = " FOR UPDATE";

    /// <summary>The statements of writes: every one that reads rows of an aggregate locks them until the write
    /// commits (docs/storage.md), so that what a write checked still holds when it saves.</summary>
    public static readonly Statements Locking = All with
    {
        Workspaces = All.Workspaces with
        {
            Get = All.Workspaces.Get + Lock,
            GetById = All.Workspaces.GetById + Lock,
            GetBySeq = All.Workspaces.GetBySeq + Lock,
            GetBySeqs = All.Workspaces.GetBySeqs + Lock,
            ListByIds = All.Workspaces.ListByIds + Lock,
            StaleRendered = All.Workspaces.StaleRendered + Lock,
            InState = All.Workspaces.InState + Lock,
        },
        Directories = All.Directories with
        {
            Get = All.Directories.Get + Lock,
            GetBySeq = All.Directories.GetBySeq + Lock,
        },
        DsDirectories = All.DsDirectories with
        {
            Get = All.DsDirectories.Get + Lock,
            GetBySeq = All.DsDirectories.GetBySeq + Lock,
            GetUser = All.DsDirectories.GetUser + Lock,
        },
        Keys = All.Keys with { Get = All.Keys.Get + Lock },
        Jobs = All.Jobs with { Get = All.Jobs.Get + Lock },
        Sessions = All.Sessions with { Get = All.Sessions.Get + Lock, GetFailures = All.Sessions.GetFailures + Lock },
    };
}
