using System.Text;
using System.Text.Json;
using Cubicle.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cubicle.Audit;

/// <summary>
/// Delivers events as CloudTrail log files (every DeliverySeconds, or once DeliveryEvents wait), writes the
/// signed digest chain every DigestSeconds, and drops delivered events older than the retention. Events
/// are marked delivered only after their file is on disk; a file's name is derived from its events, so a
/// crash between the two rewrites the same file rather than losing or duplicating events.
/// </summary>
public sealed class AuditDelivery(IStore store, TrailFiles files, AuditOptions options, AuditSignal signal, TimeProvider time, ILogger<AuditDelivery> log)
    : BackgroundService
{
    private const int MaxEventsPerRound = 5000;

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        signal.Threshold = options.DeliveryEvents;
        var watermark = await DeliveredThroughAsync();
        signal.Reset(await store.ReadAsync(r => r.CountEventsAfter(watermark)));
        var nextDelivery = time.GetUtcNow().AddSeconds(options.DeliverySeconds);
        var nextDigest = time.GetUtcNow().AddSeconds(options.DigestSeconds);
        var nextRetention = time.GetUtcNow();
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var now = time.GetUtcNow();
                var wait = Min(nextDelivery, nextDigest) - now;
                if (wait > TimeSpan.Zero)
                {
                    var woken = await WaitAsync(wait, ct);
                    now = time.GetUtcNow();
                    if (!woken && now < nextDelivery && now < nextDigest) continue;
                }
                await DeliverAsync();
                nextDelivery = now.AddSeconds(options.DeliverySeconds);
                if (now >= nextDigest)
                {
                    await DigestAsync();
                    nextDigest = now.AddSeconds(options.DigestSeconds);
                }
                if (now >= nextRetention)
                {
                    var cutoff = now.AddDays(-options.RetentionDays).ToUnixTimeMilliseconds();
                    var delivered = await DeliveredThroughAsync();
                    var dropped = await store.WriteAsync(tx => tx.DeleteAuditEventsBefore(cutoff, delivered));
                    if (dropped > 0) log.LogInformation("Dropped {Count} audit events older than {Days} days", dropped, options.RetentionDays);
                    nextRetention = now.AddHours(1);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { break; }
            catch (Exception ex)
            {
                log.LogError(ex, "Audit delivery failed; retrying");
                await Task.Delay(TimeSpan.FromSeconds(1), time, ct).ContinueWith(_ => { });
            }
        }
    }

    private async Task<bool> WaitAsync(TimeSpan wait, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var woken = signal.WaitAsync(Timeout.InfiniteTimeSpan, cts.Token);
        var delay = Task.Delay(wait, time, cts.Token);
        var first = await Task.WhenAny(woken, delay);
        cts.Cancel();
        try { await Task.WhenAll(woken, delay); } catch (OperationCanceledException) { }
        ct.ThrowIfCancellationRequested();
        return first == woken && woken.IsCompletedSuccessfully && woken.Result;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private const string WatermarkKey = "audit-delivered-through-seq";

    private Task<long> DeliveredThroughAsync() => store.ReadAsync(r => long.TryParse(r.GetMeta(WatermarkKey), out var v) ? v : 0);

    /// <summary>Writes every undelivered event into log files, one per account and region. Delivery is
    /// tracked by a watermark (the last delivered event's seq), moved only after every file of a round
    /// is on disk; a crash in between rewrites the same files (their names derive from their events).</summary>
    public async Task<int> DeliverAsync()
    {
        var total = 0;
        var watermark = await DeliveredThroughAsync();
        while (true)
        {
            var events = await store.ReadAsync(r => r.UndeliveredEvents(watermark, MaxEventsPerRound));
            if (events.Count == 0) return total;
            var delivered = new List<AuditFileRecord>();
            foreach (var group in events.GroupBy(e => (e.AccountId, e.Region)))
            {
                var list = group.ToList();
                var body = new StringBuilder(list.Sum(e => e.Body.Length + 1) + 16).Append("{\"Records\":[");
                for (var i = 0; i < list.Count; i++) body.Append(i == 0 ? "" : ",").Append(list[i].Body);
                var content = Encoding.UTF8.GetBytes(body.Append("]}").ToString());
                var newest = DateTimeOffset.FromUnixTimeMilliseconds(list[^1].EventTime);
                var unique = TrailFiles.Sha256Hex(Encoding.UTF8.GetBytes($"{group.Key.AccountId}/{group.Key.Region}/{list[0].Seq}-{list[^1].Seq}"))[..16];
                var path = TrailFiles.LogPath(group.Key.AccountId, group.Key.Region, newest, unique);
                files.WriteAtomically(path, content);
                delivered.Add(new AuditFileRecord
                {
                    AccountId = group.Key.AccountId, Region = group.Key.Region, Kind = "LOG", Path = path,
                    Sha256 = TrailFiles.Sha256Hex(content), OldestEventTime = list[0].EventTime, NewestEventTime = list[^1].EventTime,
                    CreatedAt = time.GetUtcNow().ToUnixTimeMilliseconds(),
                });
            }
            watermark = events[^1].Seq;
            var mark = watermark;
            await store.WriteAsync(tx =>
            {
                foreach (var f in delivered) tx.RecordLogFile(f);
                tx.SetMeta(WatermarkKey, mark.ToString());
                return 0;
            });
            signal.Delivered(events.Count);
            total += events.Count;
        }
    }

    /// <summary>For each account and region with a trail, a digest of the log files delivered since the last one,
    /// chained to the previous digest by its hash and signature, and signed.</summary>
    public async Task DigestAsync()
    {
        var now = time.GetUtcNow();
        foreach (var (account, region) in await store.ReadAsync(r => r.AuditScopes()))
        {
            var logs = await store.ReadAsync(r => r.UndigestedLogFiles(account, region));
            var previous = await store.ReadAsync(r => r.LastDigest(account, region));
            if (logs.Count == 0 && previous is not null && now - DateTimeOffset.FromUnixTimeMilliseconds(previous.CreatedAt) < TimeSpan.FromSeconds(options.DigestSeconds * 0.5))
                continue;
            var start = previous is null ? (logs.Count > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(logs.Min(l => l.CreatedAt)) : now) : DateTimeOffset.FromUnixTimeMilliseconds(previous.CreatedAt);
            var path = TrailFiles.DigestPath(account, region, now);
            var endTime = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
            var doc = new DigestDocument
            {
                AwsAccountId = account,
                DigestStartTime = start.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"),
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
                    S3Bucket = "cubicle", S3Object = l.Path, HashValue = l.Sha256, HashAlgorithm = "SHA-256",
                    NewestEventTime = Iso(l.NewestEventTime), OldestEventTime = Iso(l.OldestEventTime),
                }).ToList(),
            };
            var content = JsonSerializer.SerializeToUtf8Bytes(doc, AuditJson.Default.DigestDocument);
            var sha = TrailFiles.Sha256Hex(content);
            var signature = files.Sign(TrailFiles.SigningString(endTime, path, sha, previous?.Signature));
            files.WriteAtomically(path, content);
            File.WriteAllText(Path.Combine(files.Root, path + ".sig"), signature);
            var record = new AuditFileRecord
            {
                AccountId = account, Region = region, Kind = "DIGEST", Path = path, Sha256 = sha, Signature = signature,
                OldestEventTime = start.ToUnixTimeMilliseconds(), NewestEventTime = now.ToUnixTimeMilliseconds(), CreatedAt = now.ToUnixTimeMilliseconds(),
            };
            await store.WriteAsync(tx => { tx.RecordDigest(record, logs.Select(l => l.Seq).ToList()); return 0; });
        }
    }

    private static string Iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
}
