using Dapper;
using Npgsql;

namespace Cubicle.Storage;

/// <summary>The PostgreSQL schema's migrations, applied in order on open under an advisory lock (nodes starting
/// together take turns); schema_migrations records each. A migration never changes once released.</summary>
internal static class PostgresMigrations
{
    private const long MigrationLock = 0x43_75_62_69_63_6c_65; // "Cubicle"

    private static readonly string[] Migrations =
    [
        """
            CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
            CREATE TABLE directories (
              seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
              account_id text NOT NULL, region text NOT NULL, directory_id text NOT NULL,
              directory_name text, body text NOT NULL,
              UNIQUE (account_id, region, directory_id));
            CREATE INDEX ix_directories_code ON directories (lower(body::jsonb->>'RegistrationCode'));
            CREATE TABLE ds_directories (
              seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
              account_id text NOT NULL, region text NOT NULL, directory_id text NOT NULL, type text NOT NULL,
              name text NOT NULL, short_name text, description text, size text NOT NULL, alias text,
              stage text NOT NULL, stage_reason text, launch_time bigint NOT NULL, stage_changed_at bigint NOT NULL,
              vpc_id text, subnet_ids text, security_group_id text, dns_ips text, customer_dns_ips text,
              customer_user_name text, secret_ciphertext bytea, data_access text NOT NULL, sid_prefix text NOT NULL,
              next_rid bigint NOT NULL, UNIQUE (account_id, region, directory_id));
            CREATE INDEX ix_ds_scope ON ds_directories (account_id, region, seq);
            CREATE TABLE ds_users (
              directory_seq bigint NOT NULL REFERENCES ds_directories(seq) ON DELETE CASCADE,
              user_name text NOT NULL, rid bigint NOT NULL, sid text NOT NULL, given_name text, surname text,
              email text,
              enabled boolean NOT NULL, other_attributes text, password_hash text,
              created_at bigint NOT NULL, updated_at bigint NOT NULL);
            CREATE UNIQUE INDEX ux_ds_users ON ds_users (directory_seq, lower(user_name));
            CREATE UNIQUE INDEX ux_ds_users_rid ON ds_users (directory_seq, rid);
            CREATE TABLE workspace_snapshots (
              workspace_seq bigint NOT NULL, taken_at bigint NOT NULL, PRIMARY KEY (workspace_seq, taken_at));
            CREATE TABLE subnets (
              account_id text NOT NULL, subnet_id text NOT NULL, base bigint NOT NULL, prefix integer NOT NULL,
              cursor bigint NOT NULL, PRIMARY KEY (account_id, subnet_id));
            CREATE TABLE workspaces (
              seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
              workspace_id text NOT NULL UNIQUE,
              account_id text NOT NULL, region text NOT NULL,
              directory_id text NOT NULL, user_name text NOT NULL, bundle_id text NOT NULL,
              state text NOT NULL, ip_address text, subnet_id text, computer_name text,
              running_mode text NOT NULL, auto_stop_timeout integer,
              root_volume_size_gib integer, user_volume_size_gib integer, compute_type_name text, protocols text,
              operating_system_name text, root_volume_encryption_enabled boolean,
              user_volume_encryption_enabled boolean,
              volume_encryption_key text, workspace_name text, error_code text, error_message text,
              created_at bigint NOT NULL, state_changed_at bigint NOT NULL,
              connection_state text NOT NULL, connection_checked_at bigint, last_connected_at bigint,
              disconnected_at bigint, terminated_at bigint, host_id text,
              api_json bytea, api_json_version integer NOT NULL DEFAULT 0);
            CREATE INDEX ix_ws_scope ON workspaces (account_id, region, seq);
            CREATE INDEX ix_ws_directory ON workspaces (account_id, region, directory_id, seq);
            CREATE INDEX ix_ws_user ON workspaces (account_id, region, directory_id, lower(user_name), seq);
            CREATE INDEX ix_ws_bundle ON workspaces (account_id, region, bundle_id, seq);
            CREATE INDEX ix_ws_name ON workspaces (account_id, region, workspace_name, seq)
              WHERE workspace_name IS NOT NULL;
            CREATE INDEX ix_ws_state ON workspaces (state, seq);
            CREATE INDEX ix_ws_host ON workspaces (host_id, state) WHERE host_id IS NOT NULL;
            CREATE UNIQUE INDEX ux_ws_user ON workspaces (account_id, region, directory_id, lower(user_name))
              WHERE state <> 'TERMINATED';
            CREATE UNIQUE INDEX ux_ws_ip ON workspaces (account_id, subnet_id, ip_address)
              WHERE state <> 'TERMINATED' AND ip_address IS NOT NULL;
            CREATE TABLE account_usage (account_id text PRIMARY KEY, active_workspaces integer NOT NULL);
            CREATE TABLE tags (
              account_id text NOT NULL, region text NOT NULL, resource_id text NOT NULL, key text NOT NULL,
              value text NOT NULL,
              PRIMARY KEY (account_id, region, resource_id, key));
            CREATE TABLE jobs (
              id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
              subject text NOT NULL, subject_seq bigint NOT NULL, kind text NOT NULL, due_at bigint NOT NULL,
              attempts integer NOT NULL DEFAULT 0, lease_owner text, lease_until bigint, last_error text, host_id text,
              created_at bigint NOT NULL);
            CREATE INDEX ix_jobs_due ON jobs (due_at);
            CREATE INDEX ix_jobs_subject ON jobs (subject, subject_seq);
            CREATE TABLE access_keys (
              access_key_id text PRIMARY KEY, account_id text NOT NULL, secret_ciphertext bytea NOT NULL,
              policy text, user_name text, created_at bigint NOT NULL);
            CREATE INDEX ix_access_keys_account ON access_keys (account_id);
            CREATE TABLE key_ring (name text PRIMARY KEY, xml text NOT NULL, created_at bigint NOT NULL);
            CREATE TABLE audit_events (
              seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, pos bigint,
              event_id text NOT NULL UNIQUE, account_id text NOT NULL, region text NOT NULL, event_time bigint NOT NULL,
              event_name text NOT NULL, event_source text NOT NULL, read_only boolean NOT NULL, username text,
              access_key_id text, body text NOT NULL, resources text);
            CREATE INDEX ix_audit_scope ON audit_events (account_id, region, seq);
            CREATE INDEX ix_audit_name ON audit_events (account_id, region, event_name, seq);
            CREATE INDEX ix_audit_user ON audit_events (account_id, region, username, seq);
            CREATE INDEX ix_audit_key ON audit_events (account_id, region, access_key_id, seq);
            CREATE INDEX ix_audit_time ON audit_events (event_time);
            CREATE INDEX ix_audit_waiting ON audit_events (seq) WHERE pos IS NULL;
            CREATE UNIQUE INDEX ux_audit_pos ON audit_events (pos) WHERE pos IS NOT NULL;
            CREATE TABLE audit_resources (
              event_seq bigint NOT NULL REFERENCES audit_events(seq) ON DELETE CASCADE,
              account_id text NOT NULL, region text NOT NULL, resource_type text NOT NULL, resource_name text NOT NULL);
            CREATE INDEX ix_audit_resource_name ON audit_resources (account_id, region, resource_name, event_seq);
            CREATE INDEX ix_audit_resource_type ON audit_resources (account_id, region, resource_type, event_seq);
            CREATE INDEX ix_audit_resource_event ON audit_resources (event_seq);
            CREATE TABLE audit_files (
              seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, account_id text NOT NULL, region text NOT NULL,
              kind text NOT NULL, path text NOT NULL UNIQUE, sha256 text NOT NULL, oldest_event_time bigint NOT NULL,
              newest_event_time bigint NOT NULL, created_at bigint NOT NULL, digest_seq bigint, signature text,
              content bytea);
            CREATE INDEX ix_audit_files_scope ON audit_files (account_id, region, kind, seq);
            CREATE TABLE hosts (
              name text PRIMARY KEY, url text, started_at bigint NOT NULL, heartbeat_at bigint NOT NULL,
              capacity integer);
            CREATE TABLE sessions (
              id_hash text PRIMARY KEY, kind text NOT NULL, account_id text NOT NULL, region text NOT NULL,
              subject text NOT NULL, directory_id text, user_name text, created_at bigint NOT NULL,
              expires_at bigint NOT NULL);
            CREATE INDEX ix_sessions_subject ON sessions (kind, subject);
            CREATE INDEX ix_sessions_user ON sessions (account_id, region, directory_id, lower(user_name));
            CREATE INDEX ix_sessions_expiry ON sessions (expires_at);
            CREATE TABLE signin_failures (
              key text PRIMARY KEY, failures integer NOT NULL, locked_until bigint NOT NULL,
              updated_at bigint NOT NULL);
            """,
        // Committed events wait for their place in the delivery order in a table of their own, and the places given
        // are rows of another: an event's row is written once, never updated with all of its indexes. Every node
        // of the old version must be stopped first (its inserts would not wait for a place).
        """
            CREATE TABLE audit_waiting (seq bigint PRIMARY KEY);
            CREATE TABLE audit_positions (pos bigint PRIMARY KEY, seq bigint NOT NULL UNIQUE);
            INSERT INTO audit_positions(pos, seq) SELECT pos, seq FROM audit_events WHERE pos IS NOT NULL;
            INSERT INTO audit_waiting(seq) SELECT seq FROM audit_events WHERE pos IS NULL;
            DROP INDEX ix_audit_waiting;
            DROP INDEX ux_audit_pos;
            ALTER TABLE audit_events DROP COLUMN pos;
            """,
        // Every row that is read, changed and saved carries the number of saves it has had; a save names the number it
        // read, so a save of a row read elsewhere fails instead of undoing a change made meanwhile.
        """
            ALTER TABLE workspaces ADD COLUMN version integer NOT NULL DEFAULT 0;
            ALTER TABLE directories ADD COLUMN version integer NOT NULL DEFAULT 0;
            ALTER TABLE ds_directories ADD COLUMN version integer NOT NULL DEFAULT 0;
            ALTER TABLE ds_users ADD COLUMN version integer NOT NULL DEFAULT 0;
            """,
        // Sign-in failures are counted per client network, per user and per pair of both, so the table holds a few
        // rows per name an attacker tries: the ones that no longer count are found by when they last counted.
        """
            CREATE INDEX ix_signin_failures_updated ON signin_failures(updated_at);
            """,
        // The registration code users sign in with, as a column of its own (lower case) with an index: a sign-in
        // finds its directory without reading every registration's JSON.
        """
            ALTER TABLE directories ADD COLUMN registration_code text;
            UPDATE directories SET registration_code = lower(body::jsonb->>'RegistrationCode');
            DROP INDEX ix_directories_code;
            CREATE INDEX ix_directories_code ON directories(registration_code);
            """,
        // A desktop host's measured capacity and stated oversubscription, read by placements on every node.
        """
            ALTER TABLE hosts ADD COLUMN disk_bytes bigint, ADD COLUMN disk_free_bytes bigint,
              ADD COLUMN disk_used_bytes bigint, ADD COLUMN memory_bytes bigint, ADD COLUMN memory_used_bytes bigint,
              ADD COLUMN disk_ratio double precision, ADD COLUMN disk_reserve_percent double precision,
              ADD COLUMN memory_ratio double precision;
            """,
    ];

    /// <summary>The number of migrations: the schema version of a database they have all been applied to.</summary>
    public static int Count => Migrations.Length;

    /// <summary>Applies the migrations not yet applied, up to version <paramref name="through"/> (all of them by
    /// default; a test builds an older version's database with fewer).</summary>
    public static async Task MigrateAsync(NpgsqlDataSource source, int? through = null)
    {
        await using var c = await source.OpenConnectionAsync();
        await c.ExecuteAsync("SELECT pg_advisory_lock(@k)", new { k = MigrationLock });
        try
        {
            await c.ExecuteAsync(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer "
                    + "PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            );
            var done = (await c.QueryAsync<int>("SELECT version FROM schema_migrations")).ToHashSet();
            for (var v = 1; v <= (through ?? Migrations.Length); v++)
            {
                if (done.Contains(v))
                    continue;
                await using var tx = await c.BeginTransactionAsync();
                await c.ExecuteAsync(Migrations[v - 1], transaction: tx);
                await c.ExecuteAsync("INSERT INTO schema_migrations(version) VALUES (@v)", new { v }, tx);
                await tx.CommitAsync();
            }
        }
        finally
        {
            await c.ExecuteAsync("SELECT pg_advisory_unlock(@k)", new { k = MigrationLock });
        }
    }
}
