using Cubicle.Accounts;
using Cubicle.Storage;

namespace Cubicle.Server;

/// <summary>`users set-password --data DIR --directory-id d-... --user-name NAME [--account ID] [--region R]`:
/// sets a directory user's password (read from standard input), stored salted and hashed.</summary>
public static class UsersCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] != "set-password") return Fail();
        var opts = new Dictionary<string, string>();
        for (var i = 1; i + 1 < args.Length; i += 2) opts[args[i].TrimStart('-')] = args[i + 1];
        if (!opts.TryGetValue("directory-id", out var directoryId) || !opts.TryGetValue("user-name", out var user)) return Fail();
        var data = opts.GetValueOrDefault("data", "./data");
        var password = (await Console.In.ReadLineAsync())?.TrimEnd('\r', '\n');
        if (string.IsNullOrEmpty(password) || password.Length < 8)
        {
            Console.Error.WriteLine("the password (one line on standard input) must have at least 8 characters");
            return 2;
        }
        using var store = new SqliteStore(Path.Combine(data, "cubicle.db"), renderWorkspace: Cubicle.Workspaces.WorkspaceService.Render);
        var directory = await store.ReadAsync(r => r.GetDirectory(opts.GetValueOrDefault("account", CubicleOptions.DefaultAccountId), opts.GetValueOrDefault("region", "us-east-1"), directoryId));
        if (directory is null) { Console.Error.WriteLine($"no directory {directoryId} in that account and region"); return 2; }
        var set = await store.WriteAsync(tx => tx.SetUserPasswordHash(directory.Seq, user, Passwords.Hash(password)));
        if (!set) { Console.Error.WriteLine($"no user {user} in {directoryId}"); return 2; }
        Console.WriteLine($"password set for {user} in {directoryId}");
        return 0;
    }

    private static int Fail()
    {
        Console.Error.WriteLine("usage: users set-password --data DIR --directory-id d-... --user-name NAME [--account ID] [--region R]  (password on standard input)");
        return 2;
    }
}
