using Cubicle.Storage;
using Npgsql;

namespace Cubicle.Tests;

/// <summary>Fresh databases in the test cluster named by CUBICLE_TEST_POSTGRES.</summary>
public static class Postgres
{
    public static string NewDatabase()
    {
        var baseString =
            Environment.GetEnvironmentVariable("CUBICLE_TEST_POSTGRES")
            ?? throw new InvalidOperationException("CUBICLE_TEST_POSTGRES is not set");
        var name = "unit_" + Guid.NewGuid().ToString("N")[..12];
        using (var c = new NpgsqlConnection(baseString))
        {
            c.Open();
            using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", c);
            cmd.ExecuteNonQuery();
        }
        return new NpgsqlConnectionStringBuilder(baseString) { Database = name }.ConnectionString;
    }

    public static void DropDatabase(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        using var c = new NpgsqlConnection(Environment.GetEnvironmentVariable("CUBICLE_TEST_POSTGRES"));
        c.Open();
        using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", c);
        cmd.ExecuteNonQuery();
    }
}
