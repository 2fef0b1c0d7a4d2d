using Cubicle.Audit;
using Cubicle.Storage;

namespace Cubicle.Server;

/// <summary>`verify --data DIR`: validates the delivered CloudTrail files and their digest chain.
/// Prints one line per finding; exits 1 when a file was changed, deleted or inserted.</summary>
public static class VerifyCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var data = "./data";
        for (var i = 0; i + 1 < args.Length; i += 2)
            if (args[i] == "--data") data = args[i + 1];
            else { Console.Error.WriteLine("usage: verify --data DIR"); return 2; }
        if (!File.Exists(Path.Combine(data, "cubicle.db"))) { Console.Error.WriteLine($"no Cubicle data in {data}"); return 2; }
        using var store = new SqliteStore(Path.Combine(data, "cubicle.db"), renderWorkspace: Cubicle.Workspaces.WorkspaceService.Render);
        var findings = await TrailVerifier.VerifyAsync(data, store);
        foreach (var f in findings.OrderBy(f => f.Problem ? 0 : 1))
            Console.WriteLine($"{(f.Problem ? "INVALID" : "valid  ")} {f.Kind,-22} {f.Path}{(f.Detail.Length > 0 ? "  (" + f.Detail + ")" : "")}");
        var problems = findings.Count(f => f.Problem);
        Console.WriteLine($"{findings.Count(f => f.Kind == "DIGEST_VALID")} digest files and {findings.Count(f => f.Kind == "LOG_VALID")} log files valid; {problems} problem(s).");
        return problems == 0 ? 0 : 1;
    }
}
