using System.Security.Cryptography;
using Cubicle.Storage;

namespace Cubicle.Audit;

/// <summary>
/// Validates delivered CloudTrail files the way CloudTrail's log file integrity validation does: each
/// digest's signature, the chain of digests (hash and signature of the previous one), the hash of each
/// log file a digest lists (<see cref="DigestChainVerifier"/>); and it reports log files that no digest or record
/// accounts for.
/// </summary>
public static class TrailVerifier
{
    public sealed record Finding(bool Problem, string Kind, string Path, string Detail);

    /// <param name="root">The trail's folder.</param>
    /// <param name="pinned">Public keys the operator pinned: every digest must be signed by one of them. Without any,
    /// the trail's own key history is used, which whoever can write the trail's folder could extend.</param>
    public static async Task<List<Finding>> VerifyAsync(string root, IDatabase db, IReadOnlyList<RSA> pinned)
    {
        var findings = new List<Finding>();
        var keys =
            pinned.Count > 0
                ? pinned.ToDictionary(k => TrailFiles.Fingerprint(k.ExportSubjectPublicKeyInfo()))
                : TrailFiles.PublicKeys(root);
        var known = await UndigestedLogFilesAsync(db);
        var logsRoot = Path.Combine(root, "AWSLogs");
        if (!Directory.Exists(logsRoot))
            return findings;

        var digests = new DigestChainVerifier(root, keys, pinned.Count > 0, findings);
        foreach (var accountDir in Directory.GetDirectories(logsRoot))
        {
            var digestRoot = Path.Combine(accountDir, "CloudTrail-Digest");
            if (!Directory.Exists(digestRoot))
                continue;
            foreach (var regionDir in Directory.GetDirectories(digestRoot))
                digests.VerifyRegion(regionDir);
        }
        ReportUnlisted(root, logsRoot, digests.Listed, known, findings);
        return findings;
    }

    /// <summary>The log files delivered since the last digest, as the delivery records name them.</summary>
    private static async Task<HashSet<string>> UndigestedLogFilesAsync(IDatabase db)
    {
        var known = new HashSet<string>();
        foreach (var (account, region) in await db.ReadAsync(u => u.Audit.ScopesAsync()))
        foreach (var f in await db.ReadAsync(u => u.Audit.UndigestedLogFilesAsync(account, region)))
            known.Add(f.Path);
        return known;
    }

    /// <summary>Log files no digest lists: delivered after the last digest if a delivery record names them, else
    /// put there by someone else.</summary>
    private static void ReportUnlisted(
        string root,
        string logsRoot,
        HashSet<string> listed,
        HashSet<string> known,
        List<Finding> findings
    )
    {
        foreach (var file in Directory.GetFiles(logsRoot, "*.json.gz", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (rel.Contains("/CloudTrail-Digest/") || listed.Contains(rel))
                continue;
            findings.Add(
                known.Contains(rel)
                    ? new(false, "LOG_NOT_YET_DIGESTED", rel, "delivered after the last digest")
                    : new(true, "LOG_INSERTED", rel, "no digest or delivery record accounts for this file")
            );
        }
    }
}
