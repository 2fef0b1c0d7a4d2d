using System.Buffers;
using Cubicle.Audit;
using Cubicle.Protocol;
using Cubicle.Services.CloudTrail;
using Cubicle.Services.DirectoryServiceData;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cubicle.Tests;

/// <summary>
/// The SQLite node's journal of read events: what it wrote before a crash is indexed at the next start (once, however
/// often that start is repeated), a torn last record is ignored, the files are the owner's alone and go once indexed,
/// LookupEvents finds an event as soon as its call answered, and a change's event comes after the reads answered
/// before it.
/// </summary>
public sealed class EventJournalTests
{
    private static AuditEventRecord Event(string name, string? resources = null) =>
        new()
        {
            EventId = Guid.CreateVersion7().ToString(),
            AccountId = "000000000000",
            Region = "us-east-1",
            EventTime = 1_790_000_000_000,
            EventName = name,
            EventSource = "workspaces.amazonaws.com",
            ReadOnly = true,
            Username = "root",
            AccessKeyId = "test",
            Body = $"{{\"eventName\":\"{name}\",\"note\":\"é€😀\"}}",
            Resources = resources,
        };

    private static string JournalFolder(TestWorld w) => Path.Combine(w.Folder, "audit-journal");

    /// <summary>A segment file as the journal writes it, followed by <paramref name="tail"/>.</summary>
    private static void WriteSegment(string folder, long id, IEnumerable<AuditEventRecord> events, byte[] tail)
    {
        Directory.CreateDirectory(folder);
        var buffer = new ArrayBufferWriter<byte>();
        foreach (var e in events)
            JournalRecord.Write(buffer, e);
        File.WriteAllBytes(Path.Combine(folder, $"{id:D20}.log"), [.. buffer.WrittenSpan, .. tail]);
    }

    private static Task<List<AuditEventRecord>> AllAsync(IDatabase db) =>
        db.ReadAsync(u =>
            u.Audit.LookupAsync(
                new AuditQuery("000000000000", "us-east-1", null, null, null, null, long.MaxValue, 1000)
            )
        );

    [SkippableFact]
    public void A_record_reads_back_as_written_and_any_damage_ends_the_journal()
    {
        var e = Event("DescribeWorkspaces", "AWS::WorkSpaces::Workspace\tws-0123456789");
        var buffer = new ArrayBufferWriter<byte>();
        JournalRecord.Write(buffer, e);
        var bytes = buffer.WrittenSpan.ToArray();
        Assert.True(JournalRecord.TryRead(bytes, out var back, out var used));
        Assert.Equal(bytes.Length, used);
        Assert.Equivalent(e, back);

        // Cut anywhere, a byte changed anywhere, or zeros (a tail the file system never wrote): not a record.
        for (var cut = 0; cut < bytes.Length; cut++)
            Assert.False(JournalRecord.TryRead(bytes.AsSpan(0, cut), out _, out _));
        for (var i = 0; i < bytes.Length; i++)
        {
            var damaged = (byte[])bytes.Clone();
            damaged[i] ^= 0x20;
            Assert.False(JournalRecord.TryRead(damaged, out _, out _));
        }
        Assert.False(JournalRecord.TryRead(new byte[64], out _, out _));
    }

    [SkippableFact]
    public async Task What_a_crash_left_is_indexed_once_at_start_and_a_torn_tail_is_ignored()
    {
        using var w = new TestWorld();
        var folder = JournalFolder(w);
        var first = Enumerable.Range(0, 3).Select(i => Event($"Read{i}")).ToList();
        var second = Enumerable
            .Range(3, 4)
            .Select(i => Event($"Read{i}", $"AWS::WorkSpaces::Workspace\tws-00000000{i}"))
            .ToList();
        var torn = new ArrayBufferWriter<byte>();
        JournalRecord.Write(torn, Event("NeverAnswered"));
        // Two segments; the second ends with a record cut short by the crash (its call never answered).
        WriteSegment(folder, 1, first, []);
        WriteSegment(folder, 2, second, torn.WrittenSpan[..(torn.WrittenCount / 2)].ToArray());
        // Part of the journal was indexed before the crash: it is not indexed twice.
        await w.Db.WriteAsync(
            Journal.Service,
            async u =>
            {
                await u.Audit.InsertBatchAsync(first.Take(2).ToList());
                return 0;
            }
        );

        var journal = new EventJournal(folder, w.Db, NullLogger.Instance);
        Assert.Equal(7, await journal.OpenAsync());
        var stored = await AllAsync(w.Db);
        Assert.Equal(first.Concat(second).Select(e => e.EventId).Order(), stored.Select(e => e.EventId).Order());
        // In the journal's order: the seqs follow it (what was indexed before the crash came first).
        Assert.Equal(
            first.Concat(second).Select(e => e.EventName),
            stored.OrderBy(e => e.Seq).Select(e => e.EventName)
        );
        var found = await w.Db.ReadAsync(u =>
            u.Audit.LookupAsync(
                new AuditQuery(
                    "000000000000",
                    "us-east-1",
                    "ResourceName",
                    "ws-000000005",
                    null,
                    null,
                    long.MaxValue,
                    10
                )
            )
        );
        Assert.Equal("Read5", Assert.Single(found).EventName);
        Assert.Empty(Directory.GetFiles(folder, "*.log"));
        await journal.DisposeAsync();

        // The same segments found again (the files were deleted, then restored): nothing indexed twice.
        WriteSegment(folder, 3, first.Concat(second), []);
        journal = new EventJournal(folder, w.Db, NullLogger.Instance);
        await journal.OpenAsync();
        await journal.DisposeAsync();
        Assert.Equal(7, (await AllAsync(w.Db)).Count);
    }

    [SkippableFact]
    public async Task Events_are_on_disk_when_appended_and_in_the_database_soon_after_in_files_only_the_owner_reads()
    {
        using var w = new TestWorld();
        var folder = JournalFolder(w);
        var journal = new EventJournal(folder, w.Db, NullLogger.Instance);
        await journal.OpenAsync();
        var events = Enumerable.Range(0, 50).Select(i => Event($"Read{i}")).ToList();
        await Task.WhenAll(events.Select(journal.AppendAsync));

        // Durable: on disk, in a segment a new reader can replay, before the database has them all.
        var segments = Directory.GetFiles(folder, "*.log");
        Assert.NotEmpty(segments);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
                File.GetUnixFileMode(folder)
            );
            foreach (var s in segments)
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(s));
        }
        var onDisk = File.ReadAllBytes(segments.Single());
        var read = 0;
        for (var offset = 0; JournalRecord.TryRead(onDisk.AsSpan(offset), out _, out var used); offset += used)
            read++;
        Assert.Equal(50, read);

        // Indexed in the background within a moment; an indexed segment is deleted once a newer one is begun.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (journal.Unindexed > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        Assert.Equal(0, journal.Unindexed);
        Assert.Equal(50, (await AllAsync(w.Db)).Count);
        await journal.DisposeAsync();
        Assert.Empty(Directory.GetFiles(folder, "*.log"));
    }

    [SkippableFact]
    public async Task At_start_damage_is_stepped_over_and_kept_aside_and_events_past_retention_stay_gone()
    {
        using var w = new TestWorld();
        var folder = JournalFolder(w);
        var old = Event("Old");
        old.EventTime = 1_000;
        var buffer = new ArrayBufferWriter<byte>();
        foreach (var e in new[] { old, Event("Before") })
            JournalRecord.Write(buffer, e);
        var after = new ArrayBufferWriter<byte>();
        JournalRecord.Write(after, Event("After"));
        // A damaged block in the middle of a segment: the records past it are found by their checksums.
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(
            Path.Combine(folder, $"{1:D20}.log"),
            [.. buffer.WrittenSpan, .. Enumerable.Repeat((byte)0x5a, 300), .. after.WrittenSpan, .. new byte[4096]]
        );

        // Retention dropped events older than keepSinceMs from the database: the journal does not bring them back.
        var journal = new EventJournal(folder, w.Db, NullLogger.Instance, keepSinceMs: 1_000_000);
        Assert.Equal(2, await journal.OpenAsync());
        Assert.Equal(["Before", "After"], (await AllAsync(w.Db)).OrderBy(e => e.Seq).Select(e => e.EventName));
        Assert.Empty(Directory.GetFiles(folder, "*.log"));
        Assert.Single(Directory.GetFiles(folder, "*.damaged"));
        await journal.DisposeAsync();
    }

    [SkippableFact]
    public async Task A_group_that_cannot_be_written_answers_unavailable_and_the_journal_goes_on()
    {
        using var w = new TestWorld();
        var journal = new EventJournal(JournalFolder(w), w.Db, NullLogger.Instance);
        await journal.OpenAsync();
        var broken = Event("Broken");
        broken.EventId = null!; // a record that cannot be built: its call answers 503, and nothing else breaks
        await Assert.ThrowsAsync<StoreUnavailableException>(() => journal.AppendAsync(broken));

        var reads = Enumerable.Range(0, 30).Select(i => Event($"Read{i}")).ToList();
        await Task.WhenAll(reads.Select(journal.AppendAsync));
        await journal.IndexPendingAsync();
        // Everything answered is in the database: the failed event is not counted as waiting, nor as indexed.
        Assert.Equal(0, journal.Unindexed);
        Assert.Equal(
            reads.Select(e => e.EventName),
            (await AllAsync(w.Db)).OrderBy(e => e.Seq).Select(e => e.EventName)
        );
        await journal.DisposeAsync();
        await Assert.ThrowsAsync<StoreUnavailableException>(journal.IndexPendingAsync);
    }

    [SkippableFact]
    public async Task A_second_process_cannot_take_the_journal()
    {
        using var w = new TestWorld();
        var journal = new EventJournal(JournalFolder(w), w.Db, NullLogger.Instance);
        await journal.OpenAsync();
        var other = new EventJournal(JournalFolder(w), w.Db, NullLogger.Instance);
        await Assert.ThrowsAsync<InvalidOperationException>(() => other.OpenAsync());
        await journal.DisposeAsync();
    }

    [SkippableFact]
    public async Task Lookup_finds_a_read_at_once_and_a_change_comes_after_the_reads_answered_before_it()
    {
        using var w = new TestWorld();
        var audit = new AuditLog(
            w.Db,
            w.Clock,
            new AuditOptions { JournalFolder = JournalFolder(w) },
            NullLogger<AuditLog>.Instance
        );
        await audit.StartAsync(CancellationToken.None);
        try
        {
            var describe = Op.Read(
                "DescribeWorkspaces",
                ApiJsonContext.Default.DescribeWorkspacesRequest,
                ApiJsonContext.Default.DescribeWorkspacesResult,
                w.Workspaces.DescribeAsync
            );
            var create = Op.Change(
                "CreateWorkspaces",
                ApiJsonContext.Default.CreateWorkspacesRequest,
                ApiJsonContext.Default.CreateWorkspacesResult,
                w.Workspaces.CreateAsync
            );
            var lookup = new CloudTrailApi(w.Db, new PageTokens(new byte[32], w.Clock), audit);

            // A read, answered (its event durable in the journal): LookupEvents finds it at once.
            var read = w.Caller();
            await describe.InvokeAsync(read, "{}"u8.ToArray(), audit);
            await audit.OnCallAsync(read, describe, "{}"u8.ToArray(), null, null);
            var found = await lookup.LookupAsync(
                w.Caller(),
                new LookupEventsRequest
                {
                    LookupAttributes =
                    [
                        new LookupAttribute { AttributeKey = "EventName", AttributeValue = "DescribeWorkspaces" },
                    ],
                }
            );
            Assert.Contains(read.RequestId, Assert.Single(found.Events!).CloudTrailEvent);

            // More reads answered, then a change: the change's event comes after theirs.
            var reads = new List<CallContext>();
            for (var i = 0; i < 20; i++)
            {
                var ctx = w.Caller();
                await audit.OnCallAsync(ctx, describe, "{}"u8.ToArray(), null, null);
                reads.Add(ctx);
            }
            var change = w.Caller();
            var body = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(
                new CreateWorkspacesRequest
                {
                    Workspaces =
                    [
                        new WorkspaceRequest
                        {
                            DirectoryId = "d-926722edaf",
                            UserName = "alice",
                            BundleId = "wsb-al2std01",
                        },
                    ],
                },
                ApiJsonContext.Default.CreateWorkspacesRequest
            );
            await create.InvokeAsync(change, body, audit);
            Assert.True(change.Journaled);
            var all = await AllAsync(w.Db);
            long SeqOf(CallContext c) => all.Single(e => e.Body.Contains(c.RequestId)).Seq;
            Assert.All(reads, r => Assert.True(SeqOf(r) < SeqOf(change)));
        }
        finally
        {
            await audit.StopAsync(CancellationToken.None);
        }
        Assert.Empty(Directory.GetFiles(JournalFolder(w), "*.log"));
    }
}
