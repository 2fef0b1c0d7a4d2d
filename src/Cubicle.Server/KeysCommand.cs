using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Cubicle.Accounts;
using Cubicle.Storage;

namespace Cubicle.Server;

/// <summary>
/// `keys create --data DIR --account ID [--policy FILE]`, `keys list --data DIR [--account ID]`,
/// `keys delete --data DIR --access-key-id ID`: access keys in the data folder, usable while the server runs.
/// </summary>
public static class KeysCommand
{
    private const string Usage = """
        usage:
          keys create [--data DIR] [--database CONN] --account 111111111111 [--policy FILE] [--user-name NAME]
          keys list   [--data DIR] [--database CONN] [--account 111111111111]
          keys delete [--data DIR] [--database CONN] --access-key-id AKIA...
        """;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        TypeInfoResolver = KeysJson.Default,
    };

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0)
            return Fail(Usage);
        var opts = new Dictionary<string, string>();
        for (var i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--") || i + 1 >= args.Length)
                return Fail($"unexpected argument '{args[i]}'\n{Usage}");
            opts[args[i][2..]] = args[++i];
        }
        await using var db = await CommandDatabase.OpenAsync(opts);
        return args[0] switch
        {
            "create" => await CreateAsync(db, opts),
            "list" => await ListAsync(db, opts),
            "delete" => await DeleteAsync(db, opts),
            _ => Fail(Usage),
        };
    }

    private static async Task<int> CreateAsync(IDatabase db, Dictionary<string, string> opts)
    {
        if (!opts.TryGetValue("account", out var account) || !Regex.IsMatch(account, "^[0-9]{12}$"))
            return Fail("keys create needs --account with a 12-digit account id");
        var userName = opts.GetValueOrDefault("user-name");
        if (userName is not null && !Regex.IsMatch(userName, "^[A-Za-z0-9+=,.@_-]{1,64}$"))
            return Fail("--user-name must be 1 to 64 of A-Z a-z 0-9 +=,.@_-");
        string? policy = null;
        if (opts.TryGetValue("policy", out var policyFile))
        {
            try
            {
                policy = await File.ReadAllTextAsync(policyFile);
            }
            catch (IOException ex)
            {
                return Fail($"cannot read the policy: {ex.Message}");
            }
        }
        try
        {
            var master = CommandDatabase.MasterKey(opts);
            var key = await KeyStore.CreateAsync(db, master, account, policy, TimeProvider.System, userName);
            var created = new CreatedKey(key.AccessKeyId, key.SecretAccessKey, key.AccountId);
            Console.WriteLine(JsonSerializer.Serialize(created, Json));
            return 0;
        }
        catch (FormatException ex)
        {
            return Fail($"invalid policy: {ex.Message}");
        }
    }

    private static async Task<int> ListAsync(IDatabase db, Dictionary<string, string> opts)
    {
        var rows = await db.ReadAsync(u => u.Keys.ListAsync(opts.GetValueOrDefault("account")));
        var listed = rows.Select(r => new ListedKey(
                r.AccessKeyId,
                r.AccountId,
                DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAt).ToString("O"),
                r.Policy is not null
            ))
            .ToList();
        Console.WriteLine(JsonSerializer.Serialize(listed, Json));
        return 0;
    }

    private static async Task<int> DeleteAsync(IDatabase db, Dictionary<string, string> opts)
    {
        if (!opts.TryGetValue("access-key-id", out var id))
            return Fail("keys delete needs --access-key-id");
        // Console sessions signed in with the key end with it.
        var deleted = await db.WriteAsync(
            Journal.Service,
            async u =>
            {
                await u.Sessions.DeleteBySubjectAsync(SessionKinds.Console, id);
                return await u.Keys.DeleteAsync(id);
            }
        );
        if (!deleted)
            return Fail($"no access key {id}");
        Console.WriteLine(JsonSerializer.Serialize(new DeletedKey(id), Json));
        return 0;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }
}
