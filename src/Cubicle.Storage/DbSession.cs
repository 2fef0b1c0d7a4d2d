using System.Data.Common;
using Dapper;

namespace Cubicle.Storage;

/// <summary>
/// A connection, its transaction (for writes) and its statement cache, as the stores use them: Dapper maps
/// most statements; the hot ones run as commands prepared once per connection and reused.
/// </summary>
public sealed class DbSession(DbConnection connection, DbTransaction? transaction, StatementCache? cache)
{
    static DbSession()
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
    }

    public DbConnection Connection => connection;

    public async Task<List<T>> QueryAsync<T>(string sql, object? param = null) =>
        (await connection.QueryAsync<T>(new CommandDefinition(sql, param, transaction)).ConfigureAwait(false)).AsList();

    public Task<T?> FirstAsync<T>(string sql, object? param = null) =>
        connection.QueryFirstOrDefaultAsync<T>(new CommandDefinition(sql, param, transaction));

    public Task<int> ExecuteAsync(string sql, object? param = null) =>
        connection.ExecuteAsync(new CommandDefinition(sql, param, transaction));

    public Task<DbDataReader> ReaderAsync(string sql, object? param = null) =>
        connection.ExecuteReaderAsync(new CommandDefinition(sql, param, transaction));

    public Task<T?> ScalarAsync<T>(string sql, object? param = null) =>
        connection.ExecuteScalarAsync<T>(new CommandDefinition(sql, param, transaction));

    /// <summary>A command for a hot statement with the named parameters (values to set by the caller).</summary>
    public DbCommand Command(string sql, params ReadOnlySpan<string> parameters)
    {
        if (cache?.Get(sql, transaction) is { } cached)
            return cached;
        var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = transaction;
        foreach (var name in parameters)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            cmd.Parameters.Add(p);
        }
        cache?.Add(sql, cmd);
        return cmd;
    }
}
