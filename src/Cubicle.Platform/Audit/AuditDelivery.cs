using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cubicle.Observability;
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
    ILogger<AuditDelivery> log,
    CubicleMetrics? metrics = null
) : BackgroundService
{
    private const string LockName = "audit-deliverer";
    private readonly TrailDigests _digests = new(db, files, options, time, log, metrics);

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
        try
        {
            var count = await WriteRangeAsync(scopes, delivered, through);
            var records = Commit(scopes);
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

    /// <summary>Streams the range's events from the database into one temp file per account and region.</summary>
    private async Task<int> WriteRangeAsync(
        Dictionary<(string Account, string Region), ScopeFile> scopes,
        long delivered,
        long through
    )
    {
        var count = 0;
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
        return count;
    }

    /// <summary>
    /// Moves each file into its place in the trail and returns their records. A file that cannot be written there
    /// (its folder unwritable, its name too long) is set aside in the quarantine folder, counted and logged, and the
    /// others are delivered all the same: one scope never holds back every account's trail.
    /// </summary>
    private List<AuditFileRecord> Commit(Dictionary<(string Account, string Region), ScopeFile> scopes)
    {
        var records = new List<AuditFileRecord>();
        foreach (var ((account, region), f) in scopes)
        {
            f.Write("]}"u8);
            var unique = TrailFiles.Sha256Hex(Encoding.UTF8.GetBytes($"{account}/{region}/{f.FirstPos}-{f.LastPos}"))[
                ..16
            ];
            var path = TrailFiles.LogPath(account, region, DateTimeOffset.FromUnixTimeMilliseconds(f.Newest), unique);
            try
            {
                f.File.Commit(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                var kept = files.SetAside(f.File, $"{account}_CloudTrail_{unique}.json.gz", path, ex);
                metrics?.AuditWriteFailed("log");
                log.LogWarning(
                    "An audit log file of account {Account} could not be written ({Error}): its {Count} events are "
                        + "set aside in {Kept}, and delivery goes on",
                    account,
                    ex.Message,
                    f.Count,
                    kept
                );
                continue;
            }
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
        return records;
    }

    /// <summary>A signed digest for each account and region with a trail (see <see cref="TrailDigests"/>).</summary>
    public Task DigestAsync() => _digests.DigestAsync();

    /// <summary>The last digest of each account and region, if its deliverer died before writing it.</summary>
    public Task WriteMissingDigestsAsync() => _digests.WriteMissingDigestsAsync();
}
