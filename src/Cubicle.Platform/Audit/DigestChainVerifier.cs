using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Cubicle.Audit;

/// <summary>
/// Checks a trail's digests, one region's chain at a time in the order they were written: each digest's signature
/// and place, its link to the previous one (path, hash and signature), and the hash of every log file it lists. What
/// it finds goes to <paramref name="findings"/>; the log files some digest lists are noted in <see cref="Listed"/>.
/// </summary>
/// <param name="root">The trail's folder.</param>
/// <param name="keys">The public keys a digest may be signed with, by fingerprint.</param>
/// <param name="pinned">Whether <paramref name="keys"/> are the operator's pinned keys (else the trail's history).
/// </param>
internal sealed class DigestChainVerifier(
    string root,
    Dictionary<string, RSA> keys,
    bool pinned,
    List<TrailVerifier.Finding> findings
)
{
    /// <summary>The log files (relative to the trail's folder) that a digest lists.</summary>
    public HashSet<string> Listed { get; } = new();

    /// <summary>Checks the chain of the digests under one region's folder.</summary>
    public void VerifyRegion(string regionDir)
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
            if (!TryRead(file, rel, out var content, out var doc))
                continue;
            var sha = TrailFiles.Sha256Hex(content);
            var sigFile = file + ".sig";
            var signature = File.Exists(sigFile) ? File.ReadAllText(sigFile).Trim() : null;
            CheckSignature(doc, rel, sha, signature);
            if (doc.DigestS3Object != rel)
                findings.Add(new(true, "DIGEST_MOVED", rel, $"the digest says it is {doc.DigestS3Object}"));
            CheckLink(doc, rel, prevPath, prevSha, prevSig);
            CheckLogFiles(doc, rel);
            findings.Add(new(false, "DIGEST_VALID", rel, $"{doc.LogFiles.Count} log files"));
            (prevPath, prevSha, prevSig) = (rel, sha, signature);
        }
    }

    private bool TryRead(
        string file,
        string rel,
        [NotNullWhen(true)] out byte[]? content,
        [NotNullWhen(true)] out DigestDocument? doc
    )
    {
        try
        {
            content = TrailFiles.ReadGzip(file);
            doc = JsonSerializer.Deserialize(content, AuditJson.Default.DigestDocument)!;
            return true;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or JsonException)
        {
            findings.Add(new(true, "DIGEST_UNREADABLE", rel, ex.Message));
            (content, doc) = (null, null);
            return false;
        }
    }

    /// <summary>The digest is signed, by a known key, over its end time, its path, its hash and the previous
    /// digest's signature: a digest changed, moved or linked elsewhere no longer verifies.</summary>
    private void CheckSignature(DigestDocument doc, string rel, string sha, string? signature)
    {
        var signingString = TrailFiles.SigningString(doc.DigestEndTime, rel, sha, doc.PreviousDigestSignature);
        if (!keys.TryGetValue(doc.DigestPublicKeyFingerprint, out var rsa))
            findings.Add(
                new(
                    true,
                    "DIGEST_KEY_UNKNOWN",
                    rel,
                    pinned
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
    }

    /// <summary>The digest names the one before it in its region (path, hash, signature); the first one found names
    /// none, unless the ones before it were removed.</summary>
    private void CheckLink(DigestDocument doc, string rel, string? prevPath, string? prevSha, string? prevSig)
    {
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
    }

    /// <summary>Each log file the digest lists is there, with the hash the digest gives it.</summary>
    private void CheckLogFiles(DigestDocument doc, string rel)
    {
        foreach (var log in doc.LogFiles)
        {
            Listed.Add(log.S3Object);
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
                    : new(true, "LOG_CHANGED", log.S3Object, $"hash {actual} differs from {log.HashValue} in {rel}")
            );
        }
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
