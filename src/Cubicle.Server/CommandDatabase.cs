using Cubicle.Accounts;
using Cubicle.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cubicle.Server;

/// <summary>How a command (keys, users, verify) finds what the server uses: --data DIR (CUBICLE_DATA) and
/// --database CONNECTION (CUBICLE_DATABASE), opened the same way the server opens them.</summary>
public static class CommandDatabase
{
    public static string DataPath(IReadOnlyDictionary<string, string> opts) =>
        DataFolder.Secure(
            opts.GetValueOrDefault("data") ?? Environment.GetEnvironmentVariable("CUBICLE_DATA") ?? "./data"
        );

    public static string? ConnectionString(IReadOnlyDictionary<string, string> opts) =>
        opts.GetValueOrDefault("database") is { Length: > 0 } d ? d
        : Environment.GetEnvironmentVariable("CUBICLE_DATABASE") is { Length: > 0 } e ? e
        : null;

    public static Task<IDatabase> OpenAsync(IReadOnlyDictionary<string, string> opts) =>
        Database.OpenAsync(DataPath(opts), ConnectionString(opts), "FULL", NullLogger.Instance);

    public static Accounts.MasterKey MasterKey(IReadOnlyDictionary<string, string> opts) =>
        Accounts.MasterKey.Load(DataPath(opts), requireEnvironment: ConnectionString(opts) is not null);
}
