using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cubicle.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cubicle.Audit;

/// <summary>
/// Delivers events as CloudTrail log files (every DeliverySeconds, or once DeliveryEvents wait), writes the signed
/// digest chain every DigestSeconds, and drops delivered events older than the retention. One node of the cluster
/// delivers at a time (a cluster lock); when it dies, another takes over within seconds.
///
/// A round gives the committed, waiting events their positions (in the order they became visible, which is commit
/// order) and writes exactly that range of positions, streamed from the database into one file per account and
/// region. Only then does the delivered mark move. A crash in between leaves the range positioned but undelivered:
/// the next round writes the same range again into files of the same names (they derive from the range), so no
/// event is skipped or delivered twice.
/// </summary>
public sealed class AuditDelivery(
    IDatabase db,
    TrailFiles files,
    AuditOptions options,
    TimeProvider time,
    ILogger<AuditDelivery> log
) : BackgroundService
{
    private const string LockName = "audit-deliverer";

    /// <summary>Positions given per round: bounds one round's files.</summary>
    private const int PositionsPerRound = 10_000;

    /// <summary>Events read at a time while writing files: bounds the memory a round needs.</summary>
    private const int ReadChunk = 256;
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var held = await db.TryLockAsync(LockName, ct);
                if (held is null)
                {
                    await Task.Delay(Poll * 2, time, ct); // another node delivers; take over if it stops
                    continue;
                }
                log.LogInformation("This node delivers the audit trail");
                await DeliverWhileHeldAsync(held, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (StoreUnavailableException ex)
            {
                log.LogWarning("Audit delivery cannot reach the database ({Error}); retrying", ex.Message);
                await Task.Delay(Poll, time, ct).ContinueWith(_ => { });
            }
            catch (Exception ex)
            {
                log.LogError(ex, "Audit delivery failed; retrying");
                await Task.Delay(Poll, time, ct).ContinueWith(_ => { });
            }
        }
    }

    private async Task DeliverWhileHeldAsync(IClusterLock held, CancellationToken ct)
    {
        RemoveAbandonedTempFiles();
        await WriteMissingDigestsAsync();
        var nextDelivery = time.GetUtcNow().AddSeconds(options.DeliverySeconds);
        var nextDigest = time.GetUtcNow().AddSeconds(options.DigestSeconds);
        var nextRetention = time.GetUtcNow();
        while (!ct.IsCancellationRequested && await held.IsHeldAsync(ct))
        {
            var now = time.GetUtcNow();
            if (
                now >= nextDelivery
                || await db.ReadAsync(u => u.Audit.CountUndeliveredAsync(), ct) >= options.DeliveryEvents
            )
            {
                await DeliverAsync();
                nextDelivery = time.GetUtcNow().AddSeconds(options.DeliverySeconds);
            }
            if (now >= nextDigest)
            {
                await DigestAsync();
                nextDigest = now.AddSeconds(options.DigestSeconds);
            }
            if (now >= nextRetention)
            {
                var cutoff = now.AddDays(-options.RetentionDays).ToUnixTimeMilliseconds();
                var dropped = await db.WriteAsync(Journal.Service, u => u.Audit.DeleteDeliveredBeforeAsync(cutoff), ct);
                if (dropped > 0)
                    log.LogInformation(
                        "Dropped {Count} audit events older than {Days} days",
                        dropped,
                        options.RetentionDays
                    );
                nextRetention = now.AddHours(1);
            }
            var wait = Min(Min(nextDelivery, nextDigest) - time.GetUtcNow(), Poll);
            if (wait > TimeSpan.Zero)
                await Task.Delay(wait, time, ct);
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private void RemoveAbandonedTempFiles()
    {
        foreach (var temp in Directory.GetFiles(files.Root, ".writing-*.tmp"))
            if (File.GetLastWriteTimeUtc(temp) < DateTime.UtcNow.AddMinutes(-5))
                File.Delete(temp);
    }

    /// <summary>
    /// Writes every waiting event into log files, round after round; returns how many were delivered.
    /// </summary>
    public async Task<int> DeliverAsync()
    {
        var total = 0;
        while (true)
        {
            var (delivered, positioned) = await db.ReadAsync(async u =>
                (await u.Audit.DeliveredThroughAsync(), await u.Audit.PositionedThroughAsync())
            );
            // A range positioned but not delivered (a round cut short) is delivered exactly as it was.
            if (positioned <= delivered)
                positioned = await db.WriteAsync(Journal.Service, u => u.Audit.AssignPositionsAsync(PositionsPerRound));
            if (positioned <= delivered)
                return total;
            total += await DeliverRangeAsync(delivered, positioned);
        }
    }

    private sealed class ScopeFile(TrailFile file)
    {
        public readonly TrailFile File = file;
        public readonly IncrementalHash Hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        public long FirstPos,
            LastPos,
            Oldest,
            Newest;
        public int Count;

        public void Write(ReadOnlySpan<byte> bytes)
        {
            File.Stream.Write(bytes);
            Hash.AppendData(bytes);
        }
    }

    private async Task<int> DeliverRangeAsync(long delivered, long through)
    {
        var scopes = new Dictionary<(string Account, string Region), ScopeFile>();
        var count = 0;
        try
        {
            var after = delivered;
            while (after < through)
            {
                var chunk = await db.ReadAsync(u => u.Audit.PositionedAsync(after, through, ReadChunk));
                if (chunk.Count == 0)
                    break;
                foreach (var e in chunk)
                {
                    if (!scopes.TryGetValue((e.AccountId, e.Region), out var f))
                    {
                        scopes[(e.AccountId, e.Region)] = f = new ScopeFile(files.Create())
                        {
                            FirstPos = e.Pos!.Value,
                            Oldest = e.EventTime,
                        };
                        f.Write("{\"Records\":["u8);
                    }
                    else
                        f.Write(","u8);
                    f.Write(Encoding.UTF8.GetBytes(e.Body));
                    f.LastPos = e.Pos!.Value;
                    f.Newest = Math.Max(f.Newest, e.EventTime);
                    f.Oldest = Math.Min(f.Oldest, e.EventTime);
                    f.Count++;
                    count++;
                }
                after = chunk[^1].Pos!.Value;
            }
            var records = new List<AuditFileRecord>();
            foreach (var ((account, region), f) in scopes)
            {
                f.Write("]}"u8);
                var unique = TrailFiles.Sha256Hex(
                    Encoding.UTF8.GetBytes($"{account}/{region}/{f.FirstPos}-{f.LastPos}")
                )[..16];
                var path = TrailFiles.LogPath(
                    account,
                    region,
                    DateTimeOffset.FromUnixTimeMilliseconds(f.Newest),
                    unique
                );
                f.File.Commit(path);
                records.Add(
                    new AuditFileRecord
                    {
                        AccountId = account,
                        Region = region,
                        Kind = "LOG",
                        Path = path,
                        Sha256 = Convert.ToHexStringLower(f.Hash.GetHashAndReset()),
                        OldestEventTime = f.Oldest,
                        NewestEventTime = f.Newest,
                        CreatedAt = time.GetUtcNow().ToUnixTimeMilliseconds(),
                    }
                );
            }
            await db.WriteAsync(
                Journal.Service,
                async u =>
                {
                    foreach (var r in records)
                        await u.Audit.RecordLogFileAsync(r);
                    await u.Audit.SetDeliveredThroughAsync(through);
                    return 0;
                }
            );
            return count;
        }
        finally
        {
            foreach (var f in scopes.Values)
            {
                f.File.Dispose();
                f.Hash.Dispose();
            }
        }
    }

    /// <summary>For each account and region with a trail, a digest of the log files delivered since the last one,
    /// chained to the previous digest by its hash and signature, and signed.</summary>
    public async Task DigestAsync()
    {
        var now = time.GetUtcNow();
        foreach (var (account, region) in await db.ReadAsync(u => u.Audit.ScopesAsync()))
        {
            var (logs, previous) = await db.ReadAsync(async u =>
                (await u.Audit.UndigestedLogFilesAsync(account, region), await u.Audit.LastDigestAsync(account, region))
            );
            if (
                logs.Count == 0
                && previous is not null
                && now - DateTimeOffset.FromUnixTimeMilliseconds(previous.CreatedAt)
                    < TimeSpan.FromSeconds(options.DigestSeconds * 0.5)
            )
                continue;
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
            var signature = files.Sign(TrailFiles.SigningString(endTime, path, sha, previous?.Signature));
            var record = new AuditFileRecord
            {
                AccountId = account,
                Region = region,
                Kind = "DIGEST",
                Path = path,
                Sha256 = sha,
                Signature = signature,
                OldestEventTime = start.ToUnixTimeMilliseconds(),
                NewestEventTime = now.ToUnixTimeMilliseconds(),
                CreatedAt = now.ToUnixTimeMilliseconds(),
                Content = content,
            };
            var seqs = logs.Select(l => l.Seq).ToList();
            // Recorded first: the next digest chains from the recorded one, so its file must exist; one recorded but
            // not
            // written (the deliverer died) is written by the next deliverer (see WriteMissingDigestsAsync).
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
    }

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
                && (
                    !File.Exists(Path.Combine(files.Root, last.Path))
                    || !File.Exists(Path.Combine(files.Root, last.Path + ".sig"))
                )
            )
            {
                log.LogInformation(
                    "Writing the digest {Path}, recorded by a deliverer that stopped before writing it",
                    last.Path
                );
                await WriteDigestAsync(last);
            }
    }

    private static string Iso(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
}
