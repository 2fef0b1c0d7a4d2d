namespace Cubicle.Storage;

/// <summary>
/// The statements PostgreSQL runs in its own dialect (the others are the defaults of each store's statement record).
/// Where several nodes could race, statements lock what they check: claims skip rows another node is claiming
/// (FOR UPDATE SKIP LOCKED), upserts lock the row they return. Case-insensitive user names compare
/// lower(user_name), which the indexes cover.
/// </summary>
internal static class PostgresStatements
{
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

    /// <summary>The statements of reads.</summary>
    public static readonly Statements All = new()
    {
        Workspaces = new WorkspaceSql
        {
            GetBySeqs = $"SELECT {WorkspaceSql.Columns} FROM workspaces WHERE seq = ANY(@seqs) ORDER BY seq",
            ListByIds = $"SELECT {WorkspaceSql.Columns} {ByIds}",
            RenderedByIds = $"SELECT seq AS Seq, api_json AS Json, api_json_version AS Version {ByIds}",
            Pages = Pages(WorkspaceSql.Columns),
            RenderedPages = Pages(RenderedColumns),
            InState =
                $"SELECT {WorkspaceSql.Columns} FROM workspaces "
                + "WHERE state=@state AND seq>@afterSeq ORDER BY seq LIMIT @limit",
            HasActive =
                "SELECT EXISTS(SELECT 1 FROM workspaces WHERE account_id=@a AND region=@r "
                + "AND directory_id=@d AND lower(user_name)=lower(@u) AND state<>'TERMINATED')",
            CountActiveInDirectory =
                "SELECT COUNT(*) FROM workspaces WHERE account_id=@accountId "
                + "AND region=@region AND directory_id=@directoryId AND state<>'TERMINATED'",
            ChangeActiveCount =
                "INSERT INTO account_usage(account_id, active_workspaces) VALUES (@accountId, GREATEST(@delta, 0)) "
                + "ON CONFLICT(account_id) DO UPDATE "
                + "SET active_workspaces=GREATEST(account_usage.active_workspaces + @delta, 0)",
            CountInStates = "SELECT COUNT(*) FROM workspaces WHERE state = ANY(@states)",
        },
        Registrations = new RegistrationSql
        {
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
            ListByIds =
                "SELECT * FROM ds_directories WHERE account_id=@accountId AND region=@region AND seq>@afterSeq "
                + "AND directory_id = ANY(@ids) ORDER BY seq LIMIT @limit",
            GetUser = "SELECT * FROM ds_users WHERE directory_seq=@seq AND lower(user_name)=lower(@user)",
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
            Put =
                "INSERT INTO tags(account_id, region, resource_id, key, value) "
                + "VALUES (@accountId, @region, @resourceId, @Key, @Value) "
                + "ON CONFLICT (account_id, region, resource_id, key) DO UPDATE SET value=excluded.value",
        },
        Keys = new AccessKeySql
        {
            List =
                "SELECT * FROM access_keys WHERE @accountId::text IS NULL OR account_id=@accountId "
                + "ORDER BY account_id, created_at",
        },
        Jobs = new JobSql
        {
            CancelKinds = "DELETE FROM jobs WHERE subject=@subject AND subject_seq=@subjectSeq AND kind = ANY(@kinds)",
            Claim = """
                UPDATE jobs SET lease_owner=@owner, lease_until=@leaseUntil, attempts=attempts+1
                WHERE id IN (SELECT id FROM jobs WHERE due_at<=@now AND (lease_until IS NULL OR lease_until<@now)
                             AND (host_id IS NULL OR host_id=@hostId) ORDER BY due_at, id LIMIT @max
                             FOR UPDATE SKIP LOCKED)
                RETURNING *
                """,
            NextDue =
                "SELECT MIN(CASE WHEN lease_until IS NULL THEN due_at "
                + "ELSE GREATEST(due_at, lease_until) END) FROM jobs "
                + "WHERE host_id IS NULL OR host_id=@hostId",
            ReleaseNode = "UPDATE jobs SET lease_owner=NULL, lease_until=NULL WHERE starts_with(lease_owner, @prefix)",
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
                ["ResourceName"] = AuditSql.LookupResource("resource_name"),
                ["ResourceType"] = AuditSql.LookupResource("resource_type"),
            },
            PositionCounter =
                "INSERT INTO meta(key, value) VALUES ('audit-positioned-through', '0') "
                + "ON CONFLICT(key) DO UPDATE SET value=meta.value RETURNING value::bigint",
            Position = """
                WITH waiting AS (SELECT seq FROM audit_waiting ORDER BY seq LIMIT @max FOR UPDATE),
                     taken AS (DELETE FROM audit_waiting w USING waiting WHERE w.seq = waiting.seq RETURNING w.seq)
                INSERT INTO audit_positions(pos, seq) SELECT @base + row_number() OVER (ORDER BY seq), seq FROM taken
                """,
            PositionedThrough =
                "SELECT COALESCE((SELECT value::bigint FROM meta WHERE key='audit-positioned-through'), 0)",
            DeliveredThrough = $"SELECT {Delivered}",
            CountUndelivered =
                "SELECT (SELECT COUNT(*) FROM audit_waiting) + "
                + $"(SELECT COUNT(*) FROM audit_positions WHERE pos>{Delivered})",
            OldestUndeliveredTime =
                "SELECT MIN(e.event_time) FROM (SELECT seq FROM audit_waiting ORDER BY seq LIMIT 1) AS w "
                + "JOIN audit_events e ON e.seq = w.seq",
            MarkDigested = "UPDATE audit_files SET digest_seq=@digestSeq WHERE seq = ANY(@logFileSeqs)",
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
            Lock = "SELECT * FROM hosts WHERE name=@name FOR UPDATE",
            Load =
                "SELECT compute_type_name AS ComputeTypeName, state = ANY(@states) AS Running, COUNT(*) AS Count, "
                + "COALESCE(SUM(user_volume_size_gib), 0) AS UserGib FROM workspaces "
                + "WHERE host_id=@hostId AND state <> 'TERMINATED' GROUP BY 1, 2",
        },
        Sessions = new SessionSql
        {
            DeleteByUser =
                "DELETE FROM sessions WHERE account_id=@accountId AND region=@region "
                + "AND directory_id=@directoryId AND lower(user_name)=lower(@userName)",
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
        Registrations = All.Registrations with
        {
            Get = All.Registrations.Get + Lock,
            GetBySeq = All.Registrations.GetBySeq + Lock,
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
