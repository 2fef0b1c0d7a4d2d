using System.Data.Common;

namespace Cubicle.Storage;

/// <summary>Commands prepared on one connection, reused by SQL text (the engine parses each statement once).</summary>
public sealed class StatementCache : IDisposable
{
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);

    public DbCommand? Get(string sql, DbTransaction? transaction)
    {
        if (!_commands.TryGetValue(sql, out var cmd))
            return null;
        cmd.Transaction = transaction;
        return cmd;
    }

    public void Add(string sql, DbCommand cmd)
    {
        cmd.Prepare();
        _commands[sql] = cmd;
    }

    public void Dispose()
    {
        foreach (var cmd in _commands.Values)
            cmd.Dispose();
        _commands.Clear();
    }
}
