using Cubicle.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Cubicle.Tests;

/// <summary>Both engines' migrations make the same tables, columns and indexes, but for what one engine keeps in its
/// own way (listed below with the reason).</summary>
public class SchemaParityTests
{
    // Engine-specific by design: "engine:table" or "engine:table.column" or "engine:index:name".
    private static readonly HashSet<string> OwnWay =
    [
        // PostgreSQL's waiting audit events have a table of their own; SQLite's are past a watermark in meta.
        "postgres:audit_waiting",
        "postgres:audit_waiting.seq",
        // PostgreSQL records applied migrations in a table; SQLite in PRAGMA user_version.
        "postgres:schema_migrations",
        "postgres:schema_migrations.version",
        "postgres:schema_migrations.applied_at",
        // SQLite's primary key (directory_seq, user_name COLLATE NOCASE) is the same rule.
        "postgres:index:ux_ds_users",
    ];

    [SkippableFact]
    public async Task Both_engines_have_the_same_tables_columns_and_indexes()
    {
        Prerequisite.Postgres();
        var folder = Directory.CreateTempSubdirectory("cubicle-schema-").FullName;
        var pg = Postgres.NewDatabase();
        try
        {
            await (await Database.OpenAsync(folder, null, "FULL", NullLogger.Instance)).DisposeAsync();
            await (await Database.OpenAsync(folder, pg, "FULL", NullLogger.Instance)).DisposeAsync();
            var sqlite = SqliteSchema(Path.Combine(folder, "cubicle.db")).Where(x => !OwnWay.Contains("sqlite:" + x));
            var postgres = (await PostgresSchema(pg)).Where(x => !OwnWay.Contains("postgres:" + x));
            var onlySqlite = sqlite.Except(postgres).Order().ToList();
            var onlyPostgres = postgres.Except(sqlite).Order().ToList();
            Assert.True(
                onlySqlite.Count == 0 && onlyPostgres.Count == 0,
                $"only SQLite: {string.Join(", ", onlySqlite)}\nonly PostgreSQL: {string.Join(", ", onlyPostgres)}"
            );
        }
        finally
        {
            Postgres.DropDatabase(pg);
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, true);
        }
    }

    private static HashSet<string> SqliteSchema(string file)
    {
        var found = new HashSet<string>();
        using var c = new SqliteConnection($"Data Source={file};Mode=ReadOnly");
        c.Open();
        foreach (var (type, name, table) in Rows(c, "SELECT type, name, tbl_name FROM sqlite_master"))
        {
            if (name.StartsWith("sqlite_", StringComparison.Ordinal))
                continue;
            if (type == "index")
                found.Add($"index:{name}");
            if (type != "table")
                continue;
            found.Add(table);
            foreach (var (_, column, _) in Rows(c, $"SELECT cid, name, type FROM pragma_table_info('{table}')"))
                found.Add($"{table}.{column}");
        }
        return found;
    }

    private static IEnumerable<(string, string, string)> Rows(SqliteConnection c, string sql)
    {
        using var cmd = new SqliteCommand(sql, c);
        using var r = cmd.ExecuteReader();
        var rows = new List<(string, string, string)>();
        while (r.Read())
            rows.Add((r.GetValue(0).ToString()!, r.GetString(1), r.GetString(2)));
        return rows;
    }

    private static async Task<HashSet<string>> PostgresSchema(string connectionString)
    {
        var found = new HashSet<string>();
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync();
        const string columns =
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema='public'";
        await using (var cmd = new NpgsqlCommand(columns, c))
        await using (var r = await cmd.ExecuteReaderAsync())
            while (await r.ReadAsync())
            {
                found.Add(r.GetString(0));
                found.Add($"{r.GetString(0)}.{r.GetString(1)}");
            }
        // Primary keys and unique constraints are indexes PostgreSQL names itself; SQLite's are sqlite_autoindex_*.
        const string indexes =
            "SELECT indexname FROM pg_indexes WHERE schemaname='public' AND indexname NOT IN "
            + "(SELECT conname FROM pg_constraint WHERE contype IN ('p','u'))";
        await using (var cmd = new NpgsqlCommand(indexes, c))
        await using (var r = await cmd.ExecuteReaderAsync())
            while (await r.ReadAsync())
                found.Add($"index:{r.GetString(0)}");
        return found;
    }
}
