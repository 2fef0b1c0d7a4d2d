using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cubicle.Storage;

namespace Cubicle.Audit;

/// <summary>
/// Validates delivered CloudTrail files the way CloudTrail's log file integrity validation does: each
/// digest's signature, the chain of digests (hash and signature of the previous one), the hash of each
/// log file a digest lists; and it reports log files that no digest or record accounts for.
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
        var known = new HashSet<string>();
        foreach (var (account, region) in await db.ReadAsync(u => u.Audit.ScopesAsync()))
        foreach (var f in await db.ReadAsync(u => u.Audit.UndigestedLogFilesAsync(account, region)))
            known.Add(f.Path);
        var referenced = new HashSet<string>();
        var logsRoot = Path.Combine(root, "AWSLogs");
        if (!Directory.Exists(logsRoot))
            return findings;

        foreach (var accountDir in Directory.GetDirectories(logsRoot))
        {
            var digestRoot = Path.Combine(accountDir, "CloudTrail-Digest");
            if (!Directory.Exists(digestRoot))
                continue;
            foreach (var regionDir in Directory.GetDirectories(digestRoot))
            {
                string? prevPath = null,
                    prevSha = null,
                    prevSig = null;
                foreach (
                    var file in Directory
                        .GetFiles(regionDir, "*.json.gz", SearchOption.AllDirectories)
                        .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal)
                )
                {
                    var rel = Path.GetRelativePath(root, file).Replace('\\', '/');
                    byte[] content;
                    DigestDocument doc;
                    try
                    {
                        content = TrailFiles.ReadGzip(file);
                        doc = JsonSerializer.Deserialize(content, AuditJson.Default.DigestDocument)!;
                    }
                    catch (Exception ex) when (ex is IOException or InvalidDataException or JsonException)
                    {
                        findings.Add(new(true, "DIGEST_UNREADABLE", rel, ex.Message));
                        continue;
                    }
                    var sha = TrailFiles.Sha256Hex(content);
                    var sigFile = file + ".sig";
                    var signature = File.Exists(sigFile) ? File.ReadAllText(sigFile).Trim() : null;
                    var signingString = TrailFiles.SigningString(
                        doc.DigestEndTime,
                        rel,
                        sha,
                        doc.PreviousDigestSignature
                    );
                    if (!keys.TryGetValue(doc.DigestPublicKeyFingerprint, out var rsa))
                        findings.Add(
                            new(
                                true,
                                "DIGEST_KEY_UNKNOWN",
                                rel,
                                pinned.Count > 0
                                    ? $"signed with key {doc.DigestPublicKeyFingerprint}, not with a pinned key"
                                    : $"signed with key {doc.DigestPublicKeyFingerprint}, "
                                        + "which is not in the trail's key history"
                            )
                        );
                    else if (signature is null || !Verify(rsa, signingString, signature))
                        findings.Add(
                            new(
                                true,
                                "DIGEST_SIGNATURE_INVALID",
                                rel,
                                "the digest was changed, moved, or its signature does not match"
                            )
                        );
                    if (doc.DigestS3Object != rel)
                        findings.Add(new(true, "DIGEST_MOVED", rel, $"the digest says it is {doc.DigestS3Object}"));
                    if (prevPath is null && doc.PreviousDigestS3Object is not null)
                        findings.Add(
                            new(
                                true,
                                "DIGEST_MISSING",
                                doc.PreviousDigestS3Object,
                                "the first digest found names a previous digest that is gone"
                            )
                        );
                    else if (
                        prevPath is not null
                        && (
                            doc.PreviousDigestS3Object != prevPath
                            || doc.PreviousDigestHashValue != prevSha
                            || doc.PreviousDigestSignature != prevSig
                        )
                    )
                        findings.Add(
                            new(
                                true,
                                "DIGEST_CHAIN_BROKEN",
                                rel,
                                $"it does not follow {prevPath}: a digest between them was removed or changed"
                            )
                        );
                    foreach (var log in doc.LogFiles)
                    {
                        referenced.Add(log.S3Object);
                        var path = Path.Combine(root, log.S3Object);
                        if (!File.Exists(path))
                        {
                            findings.Add(new(true, "LOG_MISSING", log.S3Object, "listed in " + rel));
                            continue;
                        }
                        string actual;
                        try
                        {
                            actual = TrailFiles.Sha256Hex(TrailFiles.ReadGzip(path));
                        }
                        catch (Exception ex) when (ex is IOException or InvalidDataException)
                        {
                            findings.Add(new(true, "LOG_CHANGED", log.S3Object, "unreadable: " + ex.Message));
                            continue;
                        }
                        findings.Add(
                            actual == log.HashValue
                                ? new(false, "LOG_VALID", log.S3Object, "")
                                : new(
                                    true,
                                    "LOG_CHANGED",
                                    log.S3Object,
                                    $"hash {actual} differs from {log.HashValue} in {rel}"
                                )
                        );
                    }
                    findings.Add(new(false, "DIGEST_VALID", rel, $"{doc.LogFiles.Count} log files"));
                    (prevPath, prevSha, prevSig) = (rel, sha, signature);
                }
            }
        }

        foreach (var file in Directory.GetFiles(logsRoot, "*.json.gz", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(root, file).Replace('\\', '/');
            if (rel.Contains("/CloudTrail-Digest/") || referenced.Contains(rel))
                continue;
            findings.Add(
                known.Contains(rel)
                    ? new(false, "LOG_NOT_YET_DIGESTED", rel, "delivered after the last digest")
                    : new(true, "LOG_INSERTED", rel, "no digest or delivery record accounts for this file")
            );
        }
        return findings;
    }

    private static bool Verify(RSA rsa, string signingString, string signatureHex)
    {
        try
        {
            return rsa.VerifyData(
                Encoding.UTF8.GetBytes(signingString),
                Convert.FromHexString(signatureHex),
                HashAlgorithmName.SHA256,
                RSASignaturePadding.Pkcs1
            );
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
