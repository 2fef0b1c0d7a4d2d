using Microsoft.Extensions.Logging;

namespace Cubicle.Storage;

/// <summary>The one way to open the database, for the server and every command alike.</summary>
public static class Database
{
    /// <summary>PostgreSQL when <paramref name="connectionString"/> is given (an Npgsql connection string), else SQLite
    /// in the data folder (DATA/cubicle.db). Either way the schema is migrated to this version first.</summary>
    public static async Task<IDatabase> OpenAsync(
        string dataPath,
        string? connectionString,
        string sqliteSynchronous,
        ILogger log
    )
    {
        if (!string.IsNullOrWhiteSpace(connectionString))
            return await PostgresDatabase.OpenAsync(connectionString, log);
        return new SqliteDatabase(Path.Combine(dataPath, "cubicle.db"), sqliteSynchronous);
    }
}
