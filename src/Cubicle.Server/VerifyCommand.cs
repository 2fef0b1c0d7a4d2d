using System.Security.Cryptography;
using Cubicle.Audit;

namespace Cubicle.Server;

/// <summary>`verify [--data DIR] [--database CONN] [--audit-dir DIR] [--public-key FILE ...]`: validates the delivered
/// CloudTrail files and their digest chain, against the keys the operator pinned (or else the trail's key history).
/// Prints one line per finding; exits 1 when a file was changed, deleted, inserted or re-signed.</summary>
public static class VerifyCommand
{
    private const string Usage =
        "usage: verify [--data DIR] [--database CONN] [--audit-dir DIR] [--public-key FILE]...";

    public static async Task<int> RunAsync(string[] args)
    {
        var opts = new Dictionary<string, string>();
        var pinned = new List<RSA>();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                Console.Error.WriteLine(Usage);
                return 2;
            }
            if (args[i] == "--public-key")
            {
                try
                {
                    pinned.Add(TrailFiles.ImportPublicKey(await File.ReadAllTextAsync(args[i + 1])));
                }
                catch (Exception ex) when (ex is IOException or ArgumentException or CryptographicException)
                {
                    Console.Error.WriteLine($"cannot read the public key {args[i + 1]}: {ex.Message}");
                    return 2;
                }
            }
            else
                opts[args[i][2..]] = args[i + 1];
        }
        if (args.Length % 2 != 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        var data = CommandDatabase.DataPath(opts);
        var root = opts.GetValueOrDefault("audit-dir") ?? Path.Combine(data, "cloudtrail");
        if (CommandDatabase.ConnectionString(opts) is null && !File.Exists(Path.Combine(data, "cubicle.db")))
        {
            Console.Error.WriteLine($"no Cubicle data in {data}");
            return 2;
        }
        await using var db = await CommandDatabase.OpenAsync(opts);
        var findings = await TrailVerifier.VerifyAsync(root, db, pinned);
        foreach (var f in findings.OrderBy(f => f.Problem ? 0 : 1))
            Console.WriteLine(
                $"{(f.Problem ? "INVALID" : "valid  ")} {f.Kind, -22} "
                    + $"{f.Path}{(f.Detail.Length > 0 ? "  (" + f.Detail + ")" : "")}"
            );
        var problems = findings.Count(f => f.Problem);
        if (pinned.Count == 0)
            Console.WriteLine(
                "note: no --public-key pinned; digests were checked against the trail's own key history."
            );
        Console.WriteLine(
            $"{findings.Count(f => f.Kind == "DIGEST_VALID")} digest files and "
                + $"{findings.Count(f => f.Kind == "LOG_VALID")} log files valid; {problems} problem(s)."
        );
        return problems == 0 ? 0 : 1;
    }
}
