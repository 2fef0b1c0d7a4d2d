using System.IO.Compression;
using System.Text.Json;
using Cubicle.Audit;
using Cubicle.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cubicle.Tests;

/// <summary>Delivery of the audit trail: every committed event is delivered exactly once, in the order events became
/// visible, even when an event committed after a later one (sequence order is not commit order), and a round cut
/// short is delivered again into the same files.</summary>
public sealed class AuditPositionTests
{
    private const string Blocked = "111122223333";

    private static AuditEventRecord Event(
        string name,
        long time = 1_790_000_000_000,
        string account = "000000000000"
    ) =>
        new()
        {
            EventId = Guid.NewGuid().ToString(),
            AccountId = account,
            Region = "us-east-1",
            EventTime = time,
            EventName = name,
            EventSource = "workspaces.amazonaws.com",
            Body = $"{{\"eventName\":\"{name}\"}}",
        };

    private static Task InsertAsync(
        IDatabase db,
        string name,
        long time = 1_790_000_000_000,
        string account = "000000000000"
    ) =>
        db.WriteAsync(
            Journal.Service,
            async u =>
            {
                await u.Audit.InsertAsync(Event(name, time, account));
                return 0;
            }
        );

    /// <summary>Puts a file where a folder of the trail must go, so that nothing can be written under it.</summary>
    private static void Block(TrailFiles files, string folder)
    {
        var path = Path.Combine(files.Root, folder);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "in the way");
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_file_that_cannot_be_written_is_set_aside_and_the_others_are_delivered(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var (delivery, files) = Deliverer(w);
        Block(files, $"AWSLogs/{Blocked}");
        await InsertAsync(w.Db, "e1");
        await InsertAsync(w.Db, "blocked", account: Blocked);
        await InsertAsync(w.Db, "e2");
        Assert.Equal(3, await delivery.DeliverAsync());
        Assert.Equal(["e1", "e2"], await DeliveredAsync(w, files));
        Assert.Equal(0, await w.Db.ReadAsync(u => u.Audit.CountUndeliveredAsync()));
        var kept = Assert.Single(
            Directory.GetFiles(Path.Combine(files.Root, TrailFiles.QuarantineFolder), $"{Blocked}_*.json.gz")
        );
        using (var doc = JsonDocument.Parse(TrailFiles.ReadGzip(kept)))
            Assert.Equal("blocked", doc.RootElement.GetProperty("Records")[0].GetProperty("eventName").GetString());
        using (var note = JsonDocument.Parse(File.ReadAllBytes(kept + ".why.json")))
            Assert.StartsWith(
                $"AWSLogs/{Blocked}/CloudTrail/us-east-1/",
                note.RootElement.GetProperty("intendedPath").GetString()
            );
        // The account whose files were written gets its digests; the blocked one has no log file to digest.
        await delivery.DigestAsync();
        Assert.NotNull(await w.Db.ReadAsync(u => u.Audit.LastDigestAsync("000000000000", "us-east-1")));
        Assert.Null(await w.Db.ReadAsync(u => u.Audit.LastDigestAsync(Blocked, "us-east-1")));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_digest_that_cannot_be_written_holds_back_only_its_own_scope(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var (delivery, files) = Deliverer(w);
        await InsertAsync(w.Db, "e1");
        await InsertAsync(w.Db, "other", account: Blocked);
        Assert.Equal(2, await delivery.DeliverAsync());
        Block(files, $"AWSLogs/{Blocked}/CloudTrail-Digest");
        await delivery.DigestAsync();
        var written = (await w.Db.ReadAsync(u => u.Audit.LastDigestAsync("000000000000", "us-east-1")))!;
        Assert.True(File.Exists(Path.Combine(files.Root, written.Path)));
        var held = (await w.Db.ReadAsync(u => u.Audit.LastDigestAsync(Blocked, "us-east-1")))!;
        Assert.False(File.Exists(Path.Combine(files.Root, held.Path)));
        // Once the folder can be made, the digest held back is written before the next one chains to it.
        File.Delete(Path.Combine(files.Root, $"AWSLogs/{Blocked}/CloudTrail-Digest"));
        w.Clock.Advance(TimeSpan.FromHours(2));
        await delivery.DigestAsync();
        Assert.True(File.Exists(Path.Combine(files.Root, held.Path)));
        var findings = await TrailVerifier.VerifyAsync(files.Root, w.Db, []);
        Assert.DoesNotContain(findings, f => f.Problem);
    }

    private static (AuditDelivery Delivery, TrailFiles Files) Deliverer(TestWorld w)
    {
        var files = new TrailFiles(Path.Combine(w.Folder, "cloudtrail"), Path.Combine(w.Folder, "signing.pem"));
        return (new AuditDelivery(w.Db, files, new AuditOptions(), w.Clock, NullLogger<AuditDelivery>.Instance), files);
    }

    /// <summary>
    /// Event names in the delivered files, in the order the files were recorded, then the order within each.
    /// </summary>
    private static async Task<List<string>> DeliveredAsync(TestWorld w, TrailFiles files)
    {
        var paths = await w.Db.ReadAsync(u => u.Audit.UndigestedLogFilesAsync("000000000000", "us-east-1"));
        var names = new List<string>();
        foreach (var f in paths)
        {
            using var gz = new GZipStream(File.OpenRead(Path.Combine(files.Root, f.Path)), CompressionMode.Decompress);
            using var doc = JsonDocument.Parse(gz);
            names.AddRange(
                doc.RootElement.GetProperty("Records")
                    .EnumerateArray()
                    .Select(r => r.GetProperty("eventName").GetString()!)
            );
        }
        return names;
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Every_event_is_delivered_once_in_order_across_rounds(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var (delivery, files) = Deliverer(w);
        foreach (var n in new[] { "e1", "e2", "e3" })
            await InsertAsync(w.Db, n);
        Assert.Equal(3, await delivery.DeliverAsync());
        Assert.Equal(0, await delivery.DeliverAsync());
        foreach (var n in new[] { "e4", "e5" })
            await InsertAsync(w.Db, n);
        Assert.Equal(2, await delivery.DeliverAsync());
        Assert.Equal(["e1", "e2", "e3", "e4", "e5"], await DeliveredAsync(w, files));
        Assert.Equal(0, await w.Db.ReadAsync(u => u.Audit.CountUndeliveredAsync()));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_round_cut_short_is_delivered_again_into_the_same_files(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var (delivery, files) = Deliverer(w);
        foreach (var n in new[] { "e1", "e2" })
            await InsertAsync(w.Db, n);
        // Positions given, then the deliverer died before writing its files; more events came meanwhile.
        await w.Db.WriteAsync(Journal.Service, u => u.Audit.AssignPositionsAsync(100));
        await InsertAsync(w.Db, "e3");
        Assert.Equal(3, await delivery.DeliverAsync());
        Assert.Equal(["e1", "e2", "e3"], await DeliveredAsync(w, files));
        // A crash after writing a round's files but before moving the mark: the next round writes the same files.
        await InsertAsync(w.Db, "e4");
        Assert.Equal(1, await delivery.DeliverAsync());
        var written = Directory.GetFiles(files.Root, "*.json.gz", SearchOption.AllDirectories).Order().ToList();
        await w.Db.WriteAsync(
            Journal.Service,
            async u =>
            {
                await u.Audit.SetDeliveredThroughAsync(3);
                return 0;
            }
        );
        Assert.Equal(1, await delivery.DeliverAsync());
        Assert.Equal(
            written,
            Directory.GetFiles(files.Root, "*.json.gz", SearchOption.AllDirectories).Order().ToList()
        );
        Assert.Equal(["e1", "e2", "e3", "e4"], await DeliveredAsync(w, files));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_digest_recorded_but_not_written_is_written_by_the_next_deliverer(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var (delivery, files) = Deliverer(w);
        await InsertAsync(w.Db, "e1");
        await delivery.DeliverAsync();
        await delivery.DigestAsync();
        var digest = (await w.Db.ReadAsync(u => u.Audit.LastDigestAsync("000000000000", "us-east-1")))!;
        var path = Path.Combine(files.Root, digest.Path);
        var written = File.ReadAllBytes(path);
        // The deliverer died after recording the digest, before its files were on disk.
        File.Delete(path);
        File.Delete(path + ".sig");
        await delivery.WriteMissingDigestsAsync();
        Assert.Equal(written, File.ReadAllBytes(path));
        Assert.Equal(digest.Signature, File.ReadAllText(path + ".sig"));
        var findings = await TrailVerifier.VerifyAsync(files.Root, w.Db, []);
        Assert.DoesNotContain(findings, f => f.Problem);
        Assert.Contains(findings, f => f.Kind == "DIGEST_VALID");
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_database_of_the_previous_version_keeps_its_place_in_the_delivery(string engine)
    {
        using var w = new TestWorld(engine: engine, prepare: PreviousVersionAsync);
        var (delivery, files) = Deliverer(w);
        // e1 was delivered before the upgrade, e2 had its place but was not delivered yet, e3 waited for a place.
        Assert.Equal(2, await delivery.DeliverAsync());
        Assert.Equal(["e2", "e3"], await DeliveredAsync(w, files));
        await InsertAsync(w.Db, "e4");
        Assert.Equal(1, await delivery.DeliverAsync());
        Assert.Equal(["e2", "e3", "e4"], await DeliveredAsync(w, files));
        Assert.Equal(0, await w.Db.ReadAsync(u => u.Audit.CountUndeliveredAsync()));
    }

    /// <summary>A database built by the migrations of the version before the audit positions (an event's place was
    /// a column of its row then: SQLite's schema 6, PostgreSQL's 1), holding three events in the three states of
    /// delivery.</summary>
    private static async Task PreviousVersionAsync(string folder, string? postgres)
    {
        const string events = """
            INSERT INTO audit_events(event_id, account_id, region, event_time, event_name, event_source, read_only,
              body, pos)
            VALUES ('id-1', '000000000000', 'us-east-1', 1790000000000, 'e1', 'workspaces.amazonaws.com', {0},
                '{{"eventName":"e1"}}', 1),
              ('id-2', '000000000000', 'us-east-1', 1790000000000, 'e2', 'workspaces.amazonaws.com', {0},
                '{{"eventName":"e2"}}', 2),
              ('id-3', '000000000000', 'us-east-1', 1790000000000, 'e3', 'workspaces.amazonaws.com', {0},
                '{{"eventName":"e3"}}', NULL);
            INSERT INTO meta(key, value) VALUES ('audit-positioned-through', '2'), ('audit-delivered-through', '1');
            """;
        if (postgres is null)
        {
            using var c = new Microsoft.Data.Sqlite.SqliteConnection(
                $"Data Source={Path.Combine(folder, "cubicle.db")};Pooling=False"
            );
            c.Open();
            SqliteMigrations.Migrate(c, 6);
            using var insert = c.CreateCommand();
            insert.CommandText = string.Format(events, "0");
            insert.ExecuteNonQuery();
            return;
        }
        await using var source = Npgsql.NpgsqlDataSource.Create(postgres);
        await PostgresMigrations.MigrateAsync(source, 1);
        await using var pg = await source.OpenConnectionAsync();
        await using var cmd = new Npgsql.NpgsqlCommand(string.Format(events, "false"), pg);
        await cmd.ExecuteNonQueryAsync();
    }

    [SkippableFact]
    public async Task An_event_committed_after_a_later_one_is_not_skipped()
    {
        // PostgreSQL only: SQLite has one writer, so there seq order is commit order.
        using var w = new TestWorld(engine: "postgres");
        var (delivery, files) = Deliverer(w);
        var hold = new TaskCompletionSource();
        var inserted = new TaskCompletionSource();
        // A slow transaction takes its sequence number first and commits last.
        var slow = w.Db.WriteAsync(
            Journal.Service,
            async u =>
            {
                await u.Audit.InsertAsync(Event("slow"));
                inserted.TrySetResult();
                await hold.Task;
                return 0;
            }
        );
        await inserted.Task;
        await InsertAsync(w.Db, "fast");
        Assert.Equal(1, await delivery.DeliverAsync()); // only what is visible: "fast"
        hold.SetResult();
        await slow;
        Assert.Equal(1, await delivery.DeliverAsync()); // "slow" is not skipped
        Assert.Equal(["fast", "slow"], await DeliveredAsync(w, files));
        var seqs = await w.Db.ReadAsync(u =>
            u.Audit.LookupAsync(new AuditQuery("000000000000", "us-east-1", null, null, null, null, long.MaxValue, 10))
        );
        Assert.True(seqs.Single(e => e.EventName == "slow").Seq < seqs.Single(e => e.EventName == "fast").Seq);
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Retention_drops_old_delivered_events_only_and_none_is_delivered_again(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var (delivery, files) = Deliverer(w);
        const long old = 1_700_000_000_000,
            cutoff = 1_750_000_000_000,
            recent = 1_790_000_000_000;
        await InsertAsync(w.Db, "old-delivered", old);
        await InsertAsync(w.Db, "recent-delivered", recent);
        Assert.Equal(2, await delivery.DeliverAsync());
        // Positioned but not delivered (a round cut short), and waiting for a position: both old, both kept.
        await InsertAsync(w.Db, "old-positioned", old);
        await w.Db.WriteAsync(Journal.Service, u => u.Audit.AssignPositionsAsync(100));
        await InsertAsync(w.Db, "old-waiting", old);

        Assert.Equal(1, await w.Db.WriteAsync(Journal.Service, u => u.Audit.DeleteDeliveredBeforeAsync(cutoff)));
        var left = await w.Db.ReadAsync(u =>
            u.Audit.LookupAsync(new AuditQuery("000000000000", "us-east-1", null, null, null, null, long.MaxValue, 10))
        );
        Assert.Equal(["old-positioned", "old-waiting", "recent-delivered"], left.Select(e => e.EventName).Order());
        // The rest is delivered once, in order; what was dropped is not delivered again.
        Assert.Equal(2, await delivery.DeliverAsync());
        Assert.Equal(0, await delivery.DeliverAsync());
        Assert.Equal(
            ["old-delivered", "recent-delivered", "old-positioned", "old-waiting"],
            await DeliveredAsync(w, files)
        );
        Assert.Equal(0, await w.Db.ReadAsync(u => u.Audit.CountUndeliveredAsync()));
    }
}
