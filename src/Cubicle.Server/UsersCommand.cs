using Cubicle.Accounts;
using Cubicle.Storage;

namespace Cubicle.Server;

/// <summary>`users set-password [--data DIR] [--database CONN] --directory-id d-... --user-name NAME [--account ID]
/// [--region R]`: sets a directory user's password (read from standard input), stored salted and hashed; the user's
/// open desktop sessions end.</summary>
public static class UsersCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] != "set-password")
            return Fail();
        var opts = new Dictionary<string, string>();
        for (var i = 1; i + 1 < args.Length; i += 2)
            opts[args[i].TrimStart('-')] = args[i + 1];
        if (!opts.TryGetValue("directory-id", out var directoryId) || !opts.TryGetValue("user-name", out var user))
            return Fail();
        var password = (await Console.In.ReadLineAsync())?.TrimEnd('\r', '\n');
        if (string.IsNullOrEmpty(password) || password.Length < 8)
        {
            Console.Error.WriteLine("the password (one line on standard input) must have at least 8 characters");
            return 2;
        }
        await using var db = await CommandDatabase.OpenAsync(opts);
        var account = opts.GetValueOrDefault("account", CubicleOptions.DefaultAccountId);
        var region = opts.GetValueOrDefault("region", "us-east-1");
        var hash = Passwords.Hash(password);
        var outcome = await db.WriteAsync(
            Journal.Service,
            async u =>
            {
                var directory = await u.DsDirectories.GetAsync(account, region, directoryId);
                if (directory is null)
                    return $"no directory {directoryId} in that account and region";
                if (directory.Type != "SimpleAD")
                    return $"{directoryId} is an AD Connector: set the password in its directory";
                var found = await u.DsDirectories.GetUserAsync(directory.Seq, user);
                if (found is null)
                    return $"no user {user} in {directoryId}";
                // As ResetUserPassword: the password is set and the user enabled; open sessions end.
                found.PasswordHash = hash;
                found.Enabled = true;
                found.UpdatedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                await u.DsDirectories.UpdateUserAsync(found);
                await u.Sessions.DeleteByUserAsync(account, region, directoryId, found.UserName);
                return null;
            }
        );
        if (outcome is not null)
        {
            Console.Error.WriteLine(outcome);
            return 2;
        }
        Console.WriteLine($"password set for {user} in {directoryId}");
        return 0;
    }

    private static int Fail()
    {
        Console.Error.WriteLine(
            "usage: users set-password [--data DIR] [--database CONN] --directory-id d-... "
                + "--user-name NAME [--account ID] [--region R]  (password on standard input)"
        );
        return 2;
    }
}
