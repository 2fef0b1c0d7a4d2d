namespace Cubicle.Storage;

/// <summary>
/// The statements SQLite runs in its own dialect (the others are the defaults of each store's statement record).
/// List queries name their index (INDEXED BY): with statistics SQLite may prefer a rowid scan, which costs the whole
/// table when the caller's account is small and another is large; pinned, a page costs the same at any table size.
/// </summary>
internal static class SqliteStatements
{
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

    public static readonly Statements All = new()
    {
        Workspaces = new WorkspaceSql
        {
            GetBySeqs = $"SELECT {WorkspaceSql.Columns} FROM workspaces WHERE seq IN @seqs ORDER BY seq",
            ListByIds = $"SELECT {WorkspaceSql.Columns} {ByIds}",
            RenderedByIds = $"SELECT seq AS Seq, CAST(api_json AS BLOB) AS Json, api_json_version AS Version {ByIds}",
            Pages = Pages(WorkspaceSql.Columns),
            RenderedPages = Pages(RenderedColumns),
            InState =
                $"SELECT {WorkspaceSql.Columns} FROM workspaces INDEXED BY ix_ws_state "
                + "WHERE state=@state AND seq>@afterSeq ORDER BY seq LIMIT @limit",
            HasActive =
                "SELECT EXISTS(SELECT 1 FROM workspaces INDEXED BY ix_ws_user WHERE account_id=@a AND region=@r "
                + "AND directory_id=@d AND user_name=@u AND state<>'TERMINATED')",
            CountActiveInDirectory =
                "SELECT COUNT(*) FROM workspaces INDEXED BY ix_ws_directory WHERE account_id=@accountId "
                + "AND region=@region AND directory_id=@directoryId AND state<>'TERMINATED'",
            ChangeActiveCount =
                "INSERT INTO account_usage(account_id, active_workspaces) VALUES (@accountId, MAX(@delta, 0)) "
                + "ON CONFLICT(account_id) DO UPDATE SET active_workspaces=MAX(active_workspaces + @delta, 0)",
            CountInStates = "SELECT COUNT(*) FROM workspaces INDEXED BY ix_ws_state WHERE state IN @states",
        },
        Registrations = new RegistrationSql
        {
            ListByIds =
                "SELECT * FROM directories WHERE account_id=@accountId AND region=@region AND seq>@afterSeq "
                + "AND directory_id IN @ids ORDER BY seq LIMIT @limit",
            ListByNames =
                "SELECT * FROM directories WHERE account_id=@accountId AND region=@region AND seq>@afterSeq "
                + "AND directory_name IN @names ORDER BY seq LIMIT @limit",
            ListByIdsAndNames =
                "SELECT * FROM directories WHERE account_id=@accountId AND region=@region "
                + "AND seq>@afterSeq AND directory_id IN @ids AND directory_name IN @names ORDER BY seq LIMIT @limit",
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
            ListByIds =
                "SELECT * FROM ds_directories WHERE account_id=@accountId AND region=@region AND seq>@afterSeq "
                + "AND directory_id IN @ids ORDER BY seq LIMIT @limit",
            GetUser = "SELECT * FROM ds_users WHERE directory_seq=@seq AND user_name=@user",
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
            Put =
                "INSERT INTO tags(account_id, region, resource_id, key, value) "
                + "VALUES (@accountId, @region, @resourceId, @Key, @Value) ON CONFLICT DO UPDATE "
                + "SET value=excluded.value",
        },
        Keys = new AccessKeySql
        {
            List =
                "SELECT * FROM access_keys WHERE @accountId IS NULL OR account_id=@accountId "
                + "ORDER BY account_id, created_at",
        },
        Jobs = new JobSql
        {
            CancelKinds = "DELETE FROM jobs WHERE subject=@subject AND subject_seq=@subjectSeq AND kind IN @kinds",
            Claim = """
                UPDATE jobs SET lease_owner=@owner, lease_until=@leaseUntil, attempts=attempts+1
                WHERE id IN (SELECT id FROM jobs WHERE due_at<=@now AND (lease_until IS NULL OR lease_until<@now)
                             AND (host_id IS NULL OR host_id=@hostId) ORDER BY due_at, id LIMIT @max)
                RETURNING *
                """,
            NextDue =
                "SELECT MIN(CASE WHEN lease_until IS NULL THEN due_at ELSE MAX(due_at, lease_until) END) FROM jobs "
                + "WHERE host_id IS NULL OR host_id=@hostId",
            ReleaseNode =
                "UPDATE jobs SET lease_owner=NULL, lease_until=NULL "
                + "WHERE substr(lease_owner, 1, length(@prefix))=@prefix",
        },
        Audit = new AuditSql
        {
            // No RETURNING: SQLite runs RETURNING as a trigger, which gives every insert a statement journal (a copy
            // of each page it changes). The second statement answers the seq, or nothing when the event was skipped.
            Insert =
                "INSERT INTO audit_events(event_id, account_id, region, event_time, event_name, event_source, "
                + "read_only, username, access_key_id, body, resources) "
                + "VALUES (@id, @a, @r, @t, @n, @s, @ro, @u, @k, @b, @res); SELECT last_insert_rowid()",
            InsertIfAbsent =
                "INSERT INTO audit_events(event_id, account_id, region, event_time, event_name, event_source, "
                + "read_only, username, access_key_id, body, resources) "
                + "VALUES (@id, @a, @r, @t, @n, @s, @ro, @u, @k, @b, @res) ON CONFLICT(event_id) DO NOTHING; "
                + "SELECT CASE changes() WHEN 0 THEN NULL ELSE last_insert_rowid() END",
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
                ["ResourceName"] = AuditSql.LookupResource("resource_name"),
                ["ResourceType"] = AuditSql.LookupResource("resource_type"),
            },
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
            PositionedThrough =
                "SELECT COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key='audit-positioned-through'), 0)",
            DeliveredThrough = $"SELECT {Delivered}",
            CountUndelivered =
                $"SELECT (SELECT COUNT(*) FROM audit_events WHERE seq>{PositionedSeq}) + "
                + $"(SELECT COUNT(*) FROM audit_positions WHERE pos>{Delivered})",
            OldestUndeliveredTime =
                "SELECT MIN(event_time) FROM (SELECT event_time FROM audit_events "
                + $"WHERE seq>{PositionedSeq} ORDER BY seq LIMIT 1) AS w",
            MarkDigested = "UPDATE audit_files SET digest_seq=@digestSeq WHERE seq IN @logFileSeqs",
            DeletePositionsBefore =
                $"DELETE FROM audit_positions WHERE pos<={Delivered} "
                + "AND seq IN (SELECT seq FROM audit_events WHERE event_time<@eventTimeMs)",
            DeleteDeliveredBefore =
                $"DELETE FROM audit_events WHERE event_time<@eventTimeMs AND seq<={PositionedSeq} "
                + "AND NOT EXISTS (SELECT 1 FROM audit_positions p WHERE p.seq=audit_events.seq)",
        },
        Hosts = new HostSql
        {
            // A write transaction already excludes every other writer.
            Lock = "SELECT * FROM hosts WHERE name=@name",
            Load =
                "SELECT compute_type_name AS ComputeTypeName, state IN @states AS Running, COUNT(*) AS Count, "
                + "COALESCE(SUM(user_volume_size_gib), 0) AS UserGib FROM workspaces INDEXED BY ix_ws_host "
                + "WHERE host_id=@hostId AND state <> 'TERMINATED' GROUP BY 1, 2",
        },
        Sessions = new SessionSql
        {
            DeleteByUser =
                "DELETE FROM sessions WHERE account_id=@accountId AND region=@region "
                + "AND directory_id=@directoryId AND user_name=@userName",
        },
    };
}
