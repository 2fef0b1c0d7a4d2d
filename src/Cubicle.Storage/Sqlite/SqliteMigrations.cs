using Dapper;
using Microsoft.Data.Sqlite;

namespace Cubicle.Storage;

/// <summary>The SQLite schema's migrations, applied in order on open; PRAGMA user_version records how far.
/// A migration never changes once released: a new one is appended.</summary>
internal static class SqliteMigrations
{
    private static readonly string[] Migrations =
    [
        """
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE directories (
              seq INTEGER PRIMARY KEY AUTOINCREMENT,
              account_id TEXT NOT NULL, region TEXT NOT NULL, directory_id TEXT NOT NULL,
              directory_name TEXT, body TEXT NOT NULL,
              UNIQUE(account_id, region, directory_id));
            CREATE TABLE directory_users (
              directory_seq INTEGER NOT NULL REFERENCES directories(seq) ON DELETE CASCADE,
              user_name TEXT NOT NULL COLLATE NOCASE,
              PRIMARY KEY(directory_seq, user_name)) WITHOUT ROWID;
            CREATE TABLE subnets (
              account_id TEXT NOT NULL, subnet_id TEXT NOT NULL, base INTEGER NOT NULL, prefix INTEGER NOT NULL,
              cursor INTEGER NOT NULL,
              PRIMARY KEY(account_id, subnet_id)) WITHOUT ROWID;
            CREATE TABLE workspaces (
              seq INTEGER PRIMARY KEY AUTOINCREMENT,
              workspace_id TEXT NOT NULL UNIQUE,
              account_id TEXT NOT NULL, region TEXT NOT NULL,
              directory_id TEXT NOT NULL, user_name TEXT NOT NULL COLLATE NOCASE, bundle_id TEXT NOT NULL,
              state TEXT NOT NULL, ip_address TEXT, subnet_id TEXT, computer_name TEXT,
              running_mode TEXT NOT NULL, auto_stop_timeout INTEGER,
              root_volume_size_gib INTEGER, user_volume_size_gib INTEGER, compute_type_name TEXT, protocols TEXT,
              operating_system_name TEXT,
              root_volume_encryption_enabled INTEGER, user_volume_encryption_enabled INTEGER,
              volume_encryption_key TEXT,
              workspace_name TEXT, error_code TEXT, error_message TEXT,
              created_at INTEGER NOT NULL, state_changed_at INTEGER NOT NULL,
              connection_state TEXT NOT NULL, connection_checked_at INTEGER, last_connected_at INTEGER,
              disconnected_at INTEGER,
              terminated_at INTEGER);
            CREATE INDEX ix_ws_scope ON workspaces(account_id, region, seq);
            CREATE INDEX ix_ws_directory ON workspaces(account_id, region, directory_id, seq);
            CREATE INDEX ix_ws_user ON workspaces(account_id, region, directory_id, user_name, seq);
            CREATE INDEX ix_ws_bundle ON workspaces(account_id, region, bundle_id, seq);
            CREATE INDEX ix_ws_name ON workspaces(account_id, region, workspace_name, seq)
              WHERE workspace_name IS NOT NULL;
            CREATE UNIQUE INDEX ux_ws_user ON workspaces(account_id, region, directory_id, user_name)
              WHERE state<>'TERMINATED';
            CREATE UNIQUE INDEX ux_ws_ip ON workspaces(account_id, subnet_id, ip_address)
              WHERE state<>'TERMINATED' AND ip_address IS NOT NULL;
            CREATE TABLE account_usage (account_id TEXT PRIMARY KEY, active_workspaces INTEGER NOT NULL) WITHOUT ROWID;
            CREATE TABLE tags (
              account_id TEXT NOT NULL, region TEXT NOT NULL, resource_id TEXT NOT NULL, key TEXT NOT NULL,
              value TEXT NOT NULL,
              PRIMARY KEY(account_id, region, resource_id, key)) WITHOUT ROWID;
            CREATE TABLE transitions (
              id INTEGER PRIMARY KEY AUTOINCREMENT,
              workspace_seq INTEGER NOT NULL, kind TEXT NOT NULL, due_at INTEGER NOT NULL,
              attempts INTEGER NOT NULL DEFAULT 0, lease_until INTEGER, last_error TEXT, created_at INTEGER NOT NULL);
            CREATE INDEX ix_transitions_due ON transitions(due_at);
            CREATE INDEX ix_transitions_workspace ON transitions(workspace_seq);
            """,
        """
            CREATE TABLE access_keys (
              access_key_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, secret_ciphertext BLOB NOT NULL,
              policy TEXT, created_at INTEGER NOT NULL);
            CREATE INDEX ix_access_keys_account ON access_keys(account_id);
            """,
        """
            ALTER TABLE access_keys ADD COLUMN user_name TEXT;
            CREATE TABLE audit_events (
              seq INTEGER PRIMARY KEY AUTOINCREMENT,
              event_id TEXT NOT NULL UNIQUE, account_id TEXT NOT NULL, region TEXT NOT NULL,
              event_time INTEGER NOT NULL,
              event_name TEXT NOT NULL, event_source TEXT NOT NULL, read_only INTEGER NOT NULL, username TEXT,
              access_key_id TEXT,
              body TEXT NOT NULL, resources TEXT);
            CREATE INDEX ix_audit_scope ON audit_events(account_id, region, seq);
            CREATE INDEX ix_audit_name ON audit_events(account_id, region, event_name, seq);
            CREATE INDEX ix_audit_user ON audit_events(account_id, region, username, seq);
            CREATE INDEX ix_audit_key ON audit_events(account_id, region, access_key_id, seq);
            CREATE INDEX ix_audit_time ON audit_events(event_time);
            CREATE TABLE audit_resources (
              event_seq INTEGER NOT NULL REFERENCES audit_events(seq) ON DELETE CASCADE,
              account_id TEXT NOT NULL, region TEXT NOT NULL, resource_type TEXT NOT NULL, resource_name TEXT NOT NULL);
            CREATE INDEX ix_audit_resource_name ON audit_resources(account_id, region, resource_name, event_seq);
            CREATE INDEX ix_audit_resource_type ON audit_resources(account_id, region, resource_type, event_seq);
            CREATE INDEX ix_audit_resource_event ON audit_resources(event_seq);
            CREATE TABLE audit_files (
              seq INTEGER PRIMARY KEY AUTOINCREMENT, account_id TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL,
              path TEXT NOT NULL UNIQUE, sha256 TEXT NOT NULL, oldest_event_time INTEGER NOT NULL,
              newest_event_time INTEGER NOT NULL,
              created_at INTEGER NOT NULL, digest_seq INTEGER, signature TEXT);
            CREATE INDEX ix_audit_files_scope ON audit_files(account_id, region, kind, seq);
            """,
        """
            ALTER TABLE workspaces ADD COLUMN api_json BLOB;
            """,
        """
            ALTER TABLE directory_users ADD COLUMN password_hash TEXT;
            CREATE INDEX ix_ws_state ON workspaces(state, seq);
            """,
        """
            ALTER TABLE workspaces ADD COLUMN api_json_version INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE workspaces ADD COLUMN host_id TEXT;
            CREATE INDEX ix_ws_host ON workspaces(host_id, state) WHERE host_id IS NOT NULL;
            CREATE TABLE jobs (
              id INTEGER PRIMARY KEY AUTOINCREMENT, subject TEXT NOT NULL, subject_seq INTEGER NOT NULL,
              kind TEXT NOT NULL,
              due_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, lease_owner TEXT, lease_until INTEGER,
              last_error TEXT, host_id TEXT, created_at INTEGER NOT NULL);
            INSERT INTO jobs(id, subject, subject_seq, kind, due_at, attempts, last_error, created_at)
              SELECT id, 'workspace', workspace_seq, kind, due_at, attempts, last_error, created_at FROM transitions;
            DROP TABLE transitions;
            CREATE INDEX ix_jobs_due ON jobs(due_at);
            CREATE INDEX ix_jobs_subject ON jobs(subject, subject_seq);
            ALTER TABLE audit_events ADD COLUMN pos INTEGER;
            UPDATE audit_events SET pos = seq
              WHERE seq <= COALESCE((SELECT CAST(value AS INTEGER) FROM meta
                WHERE key = 'audit-delivered-through-seq'), 0);
            INSERT OR REPLACE INTO meta(key, value)
              SELECT 'audit-delivered-through', value FROM meta WHERE key = 'audit-delivered-through-seq';
            INSERT OR REPLACE INTO meta(key, value)
              SELECT 'audit-positioned-through', value FROM meta WHERE key = 'audit-delivered-through-seq';
            DELETE FROM meta WHERE key IN ('audit-delivered-through-seq', 'page-token-key', 'desktop-session-key');
            CREATE INDEX ix_audit_waiting ON audit_events(seq) WHERE pos IS NULL;
            CREATE UNIQUE INDEX ux_audit_pos ON audit_events(pos) WHERE pos IS NOT NULL;
            CREATE TABLE hosts (
              name TEXT PRIMARY KEY, url TEXT, started_at INTEGER NOT NULL, heartbeat_at INTEGER NOT NULL,
              capacity INTEGER
            ) WITHOUT ROWID;
            CREATE TABLE sessions (
              id_hash TEXT PRIMARY KEY, kind TEXT NOT NULL, account_id TEXT NOT NULL, region TEXT NOT NULL,
              subject TEXT NOT NULL, directory_id TEXT, user_name TEXT COLLATE NOCASE,
              created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
            CREATE INDEX ix_sessions_subject ON sessions(kind, subject);
            CREATE INDEX ix_sessions_user ON sessions(account_id, region, directory_id, user_name);
            CREATE INDEX ix_sessions_expiry ON sessions(expires_at);
            CREATE TABLE signin_failures (
              key TEXT PRIMARY KEY, failures INTEGER NOT NULL, locked_until INTEGER NOT NULL,
              updated_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE key_ring (name TEXT PRIMARY KEY, xml TEXT NOT NULL, created_at INTEGER NOT NULL) WITHOUT ROWID;
            CREATE TABLE ds_directories (
              seq INTEGER PRIMARY KEY AUTOINCREMENT,
              account_id TEXT NOT NULL, region TEXT NOT NULL, directory_id TEXT NOT NULL, type TEXT NOT NULL,
              name TEXT NOT NULL, short_name TEXT, description TEXT, size TEXT NOT NULL, alias TEXT,
              stage TEXT NOT NULL, stage_reason TEXT, launch_time INTEGER NOT NULL, stage_changed_at INTEGER NOT NULL,
              vpc_id TEXT, subnet_ids TEXT, security_group_id TEXT, dns_ips TEXT, customer_dns_ips TEXT,
              customer_user_name TEXT, secret_ciphertext BLOB, data_access TEXT NOT NULL, sid_prefix TEXT NOT NULL,
              next_rid INTEGER NOT NULL, UNIQUE(account_id, region, directory_id));
            CREATE INDEX ix_ds_scope ON ds_directories(account_id, region, seq);
            CREATE TABLE ds_users (
              directory_seq INTEGER NOT NULL REFERENCES ds_directories(seq) ON DELETE CASCADE,
              user_name TEXT NOT NULL COLLATE NOCASE, rid INTEGER NOT NULL, sid TEXT NOT NULL, given_name TEXT,
              surname TEXT,
              email TEXT,
              enabled INTEGER NOT NULL, other_attributes TEXT, password_hash TEXT,
              created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
              PRIMARY KEY(directory_seq, user_name)) WITHOUT ROWID;
            CREATE UNIQUE INDEX ux_ds_users_rid ON ds_users(directory_seq, rid);
            -- The directories of earlier versions become Simple AD directories, their users keep their passwords.
            INSERT INTO ds_directories(account_id, region, directory_id, type, name, size, alias, stage, launch_time,
              stage_changed_at, subnet_ids, dns_ips, customer_user_name, data_access, sid_prefix, next_rid)
            SELECT account_id, region, directory_id,
              CASE json_extract(body, '$.DirectoryType') WHEN 'AD_CONNECTOR' THEN 'ADConnector' ELSE 'SimpleAD' END,
              COALESCE(directory_name, 'corp.example.com'), 'Small', json_extract(body, '$.Alias'), 'Active', 0, 0,
              (SELECT group_concat(value, ',') FROM json_each(body, '$.SubnetIds')),
              (SELECT group_concat(value, ',') FROM json_each(body, '$.DnsIpAddresses')),
              json_extract(body, '$.CustomerUserName'), 'Disabled',
              'S-1-5-21-' || (abs(random()) % 4000000000) || '-' || (abs(random()) % 4000000000) || '-' ||
                (abs(random()) % 4000000000),
              1104 + (SELECT COUNT(*) FROM directory_users u WHERE u.directory_seq = directories.seq)
            FROM directories;
            INSERT INTO ds_users(directory_seq, user_name, rid, sid, enabled, password_hash, created_at, updated_at)
            SELECT ds.seq, u.user_name, 1103 + row_number() OVER (PARTITION BY ds.seq ORDER BY u.user_name),
              ds.sid_prefix || '-' || (1103 + row_number() OVER (PARTITION BY ds.seq ORDER BY u.user_name)),
              1, u.password_hash, 0, 0
            FROM directory_users u JOIN directories d ON d.seq = u.directory_seq
              JOIN ds_directories ds ON ds.account_id = d.account_id AND ds.region = d.region
                AND ds.directory_id = d.directory_id;
            DROP TABLE directory_users;
            ALTER TABLE audit_files ADD COLUMN content BLOB;
            CREATE TABLE workspace_snapshots (
              workspace_seq INTEGER NOT NULL, taken_at INTEGER NOT NULL, PRIMARY KEY(workspace_seq, taken_at))
              WITHOUT ROWID;
            """,
        // The places of events in the delivery order are rows of their own (an event's row is written once, never
        // updated with all of its indexes). Places are given in seq order, so the events past the highest placed
        // seq are the ones waiting.
        """
            CREATE TABLE audit_positions (pos INTEGER PRIMARY KEY, seq INTEGER NOT NULL UNIQUE);
            INSERT INTO audit_positions(pos, seq) SELECT pos, seq FROM audit_events WHERE pos IS NOT NULL;
            INSERT OR REPLACE INTO meta(key, value)
              SELECT 'audit-positioned-seq', COALESCE(MAX(seq), 0) FROM audit_positions;
            DROP INDEX ix_audit_waiting;
            DROP INDEX ux_audit_pos;
            ALTER TABLE audit_events DROP COLUMN pos;
            """,
        // Every row that is read, changed and saved carries the number of saves it has had; a save names the number it
        // read, so a save of a row read elsewhere fails instead of undoing a change made meanwhile.
        """
            ALTER TABLE workspaces ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE directories ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE ds_directories ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE ds_users ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
            """,
        // Sign-in failures are counted per client network, per user and per pair of both, so the table holds a few
        // rows per name an attacker tries: the ones that no longer count are found by when they last counted.
        """
            CREATE INDEX ix_signin_failures_updated ON signin_failures(updated_at);
            """,
        // The registration code users sign in with, as a column of its own (lower case) with an index: a sign-in
        // finds its directory without reading every registration's JSON.
        """
            ALTER TABLE directories ADD COLUMN registration_code TEXT;
            UPDATE directories SET registration_code = lower(json_extract(body, '$.RegistrationCode'));
            CREATE INDEX ix_directories_code ON directories(registration_code);
            """,
        // A desktop host's measured capacity and stated oversubscription, read by placements on every node.
        """
            ALTER TABLE hosts ADD COLUMN disk_bytes INTEGER;
            ALTER TABLE hosts ADD COLUMN disk_free_bytes INTEGER;
            ALTER TABLE hosts ADD COLUMN disk_used_bytes INTEGER;
            ALTER TABLE hosts ADD COLUMN memory_bytes INTEGER;
            ALTER TABLE hosts ADD COLUMN memory_used_bytes INTEGER;
            ALTER TABLE hosts ADD COLUMN disk_ratio REAL;
            ALTER TABLE hosts ADD COLUMN disk_reserve_percent REAL;
            ALTER TABLE hosts ADD COLUMN memory_ratio REAL;
            """,
    ];

    /// <summary>The number of migrations: the schema version of a database they have all been applied to.</summary>
    public static int Count => Migrations.Length;

    /// <summary>Applies the migrations not yet applied, up to version <paramref name="through"/> (all of them by
    /// default; a test builds an older version's database with fewer).</summary>
    public static void Migrate(SqliteConnection c, int? through = null)
    {
        var version = c.ExecuteScalar<long>("PRAGMA user_version");
        for (var v = (int)version; v < (through ?? Migrations.Length); v++)
        {
            using var tx = c.BeginTransaction();
            c.Execute(Migrations[v], transaction: tx);
            c.Execute($"PRAGMA user_version={v + 1}", transaction: tx);
            tx.Commit();
        }
    }
}
