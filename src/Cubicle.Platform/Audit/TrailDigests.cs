using System.Text.Json;
using Cubicle.Observability;
using Cubicle.Storage;
using Microsoft.Extensions.Logging;

namespace Cubicle.Audit;

/// <summary>
/// The trail's digest files: for each account and region, every DigestSeconds, a digest of the log files delivered
/// since the last one, chained to the previous digest by its hash and signature, and signed. Run by the deliverer
/// (<see cref="AuditDelivery"/>) while it holds the cluster lock.
/// </summary>
public sealed class TrailDigests(
    IDatabase db,
    TrailFiles files,
    AuditOptions options,
    TimeProvider time,
    ILogger log,
    CubicleMetrics? metrics
)
{
    /// <summary>For each account and region with a trail, a digest of the log files delivered since the last one,
    /// chained to the previous digest by its hash and signature, and signed. A scope whose digest cannot be written
    /// is counted, logged once, and tried again at the next interval; the others go on.</summary>
    public async Task DigestAsync()
    {
        var now = time.GetUtcNow();
        foreach (var (account, region) in await db.ReadAsync(u => u.Audit.ScopesAsync()))
        {
            try
            {
                await DigestScopeAsync(account, region, now);
                _failingDigests.Remove((account, region));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                DigestFailed(account, ex);
                _failingDigests.Add((account, region));
            }
        }
    }

    // The scopes whose digest could not be written: each is logged once until it is written again.
    private readonly HashSet<(string Account, string Region)> _failingDigests = [];

    private void DigestFailed(string account, Exception ex)
    {
        metrics?.AuditWriteFailed("digest");
        log.LogWarning(
            "A digest of account {Account} could not be written ({Error}); it is tried again at the next interval",
            account,
            ex.Message
        );
    }

    private async Task DigestScopeAsync(string account, string region, DateTimeOffset now)
    {
        var (logs, previous) = await db.ReadAsync(async u =>
            (await u.Audit.UndigestedLogFilesAsync(account, region), await u.Audit.LastDigestAsync(account, region))
        );
        // The last digest first, if it was recorded but not written: the chain never points at a missing file.
        if (previous is { Content: not null } && !IsWritten(previous))
            await WriteDigestAsync(previous);
        if (
            logs.Count == 0
            && previous is not null
            && now - DateTimeOffset.FromUnixTimeMilliseconds(previous.CreatedAt)
                < TimeSpan.FromSeconds(options.DigestSeconds * 0.5)
        )
            return;
        var record = Digest(account, region, now, logs, previous);
        var seqs = logs.Select(l => l.Seq).ToList();
        // Recorded first: the next digest chains from the recorded one, so its file must exist; one recorded but not
        // written (the deliverer died, the write failed) is written before the next (see above).
        await db.WriteAsync(
            Journal.Service,
            async u =>
            {
                await u.Audit.RecordDigestAsync(record, seqs);
                return 0;
            }
        );
        await WriteDigestAsync(record);
    }

    private AuditFileRecord Digest(
        string account,
        string region,
        DateTimeOffset now,
        List<AuditFileRecord> logs,
        AuditFileRecord? previous
    )
    {
        var start =
            previous is not null ? DateTimeOffset.FromUnixTimeMilliseconds(previous.CreatedAt)
            : logs.Count > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(logs.Min(l => l.CreatedAt))
            : now;
        var path = TrailFiles.DigestPath(account, region, now);
        var endTime = Iso(now.ToUnixTimeMilliseconds());
        var doc = new DigestDocument
        {
            AwsAccountId = account,
            DigestStartTime = Iso(start.ToUnixTimeMilliseconds()),
            DigestEndTime = endTime,
            DigestS3Bucket = "cubicle",
            DigestS3Object = path,
            DigestPublicKeyFingerprint = files.PublicKeyFingerprint,
            DigestSignatureAlgorithm = "SHA256withRSA",
            NewestEventTime = logs.Count == 0 ? null : Iso(logs.Max(l => l.NewestEventTime)),
            OldestEventTime = logs.Count == 0 ? null : Iso(logs.Min(l => l.OldestEventTime)),
            PreviousDigestS3Bucket = previous is null ? null : "cubicle",
            PreviousDigestS3Object = previous?.Path,
            PreviousDigestHashValue = previous?.Sha256,
            PreviousDigestHashAlgorithm = previous is null ? null : "SHA-256",
            PreviousDigestSignature = previous?.Signature,
            LogFiles = logs.Select(l => new DigestLogFile
                {
                    S3Bucket = "cubicle",
                    S3Object = l.Path,
                    HashValue = l.Sha256,
                    HashAlgorithm = "SHA-256",
                    NewestEventTime = Iso(l.NewestEventTime),
                    OldestEventTime = Iso(l.OldestEventTime),
                })
                .ToList(),
        };
        var content = JsonSerializer.SerializeToUtf8Bytes(doc, AuditJson.Default.DigestDocument);
        var sha = TrailFiles.Sha256Hex(content);
        return new AuditFileRecord
        {
            AccountId = account,
            Region = region,
            Kind = "DIGEST",
            Path = path,
            Sha256 = sha,
            Signature = files.Sign(TrailFiles.SigningString(endTime, path, sha, previous?.Signature)),
            OldestEventTime = start.ToUnixTimeMilliseconds(),
            NewestEventTime = now.ToUnixTimeMilliseconds(),
            CreatedAt = now.ToUnixTimeMilliseconds(),
            Content = content,
        };
    }

    private bool IsWritten(AuditFileRecord digest) =>
        File.Exists(Path.Combine(files.Root, digest.Path))
        && File.Exists(Path.Combine(files.Root, digest.Path + ".sig"));

    private async Task WriteDigestAsync(AuditFileRecord digest)
    {
        files.WriteAtomically(digest.Path, digest.Content!);
        await File.WriteAllTextAsync(Path.Combine(files.Root, digest.Path + ".sig"), digest.Signature);
    }

    /// <summary>The last digest of each account and region, if its deliverer died before writing it.</summary>
    public async Task WriteMissingDigestsAsync()
    {
        foreach (var (account, region) in await db.ReadAsync(u => u.Audit.ScopesAsync()))
            if (
                await db.ReadAsync(u => u.Audit.LastDigestAsync(account, region)) is { Content: not null } last
                && !IsWritten(last)
            )
            {
                log.LogInformation(
                    "Writing the digest {Path}, recorded by a deliverer that stopped before writing it",
                    last.Path
                );
                try
                {
                    await WriteDigestAsync(last);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    DigestFailed(account, ex); // tried again with the scope's next digest
                }
            }
    }

    private static string Iso(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
}
