using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Cubicle.Observability;
using Cubicle.Protocol;
using Cubicle.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cubicle.Audit;

/// <summary>
/// Records one CloudTrail event per API call that reached an operation. A call that changes something
/// writes its event inside its own transaction (<see cref="OnCommit"/>), so the change and its event
/// commit together. Other calls (reads, failures) hand their event to a group commit, and each call answers only
/// once its event is durable: with SQLite, in the node's <see cref="EventJournal"/> (an append-only file, indexed
/// into the database in the background); with PostgreSQL, in the shared database, a group per transaction.
/// </summary>
public sealed partial class AuditLog(
    IDatabase db,
    TimeProvider time,
    AuditOptions options,
    ILogger<AuditLog> log,
    CubicleMetrics? metrics = null
) : BackgroundService, ICallObserver
{
    /// <summary>As CloudTrail does, parameters or responses larger than this are recorded only by their size:
    /// every event stays bounded, whatever the request.</summary>
    private const int MaxParametersBytes = 100 * 1024;

    /// <summary>An event names at most this many resources (a batch names 25 at most when it is valid).</summary>
    private const int MaxResources = 50;

    /// <summary>Events per transaction of the database group commit.</summary>
    private const int GroupMax = 512;
    private readonly Channel<(AuditEventRecord Event, TaskCompletionSource Done)> _queue = Channel.CreateUnbounded<(
        AuditEventRecord,
        TaskCompletionSource
    )>();
    private EventJournal? _journal;
    private readonly AuditBuffer _buffer = new(options.BufferBytes, metrics);

    public Task OnCallAsync(
        CallContext ctx,
        IOperation operation,
        ReadOnlyMemory<byte> request,
        ReadOnlyMemory<byte>? response,
        ApiException? error
    )
    {
        if (operation.ReadOnly && options.ReadEvents == "off")
            return Task.CompletedTask;
        var e = Build(ctx, operation, request.Span, response is { } r ? r.Span : default, error);
        if (operation.ReadOnly && options.ReadEvents == "buffered")
            return BufferAsync(e);
        return _journal?.AppendAsync(e) ?? Enqueue(e);
    }

    /// <summary>A read's event when reads answer before their event is stored: the call waits only for room in the
    /// <see cref="AuditBuffer"/>, and an event that then cannot be stored is counted (its call has answered).</summary>
    private async Task BufferAsync(AuditEventRecord e)
    {
        var bytes = AuditBuffer.SizeOf(e);
        await _buffer.EnterAsync(bytes);
        var stored = _journal?.AppendAsync(e) ?? Enqueue(e);
        _ = stored.ContinueWith(
            t =>
            {
                _buffer.Leave(bytes);
                if (t.Exception is not null) // logged where it failed; read here, so it is observed
                    metrics?.AuditEventDropped();
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default
        );
    }

    private Task Enqueue(AuditEventRecord e)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite((e, done)))
            done.SetException(
                new StoreUnavailableException(
                    "The audit log is closed.",
                    new InvalidOperationException("shutting down")
                )
            );
        return done.Task;
    }

    /// <summary>Before a change: the events of calls already answered go into the database first, so that the
    /// change's event, committed with it, comes after theirs.</summary>
    public Task BeforeChangeAsync() => IndexPendingAsync();

    /// <summary>
    /// Puts the journal's events into the database now (LookupEvents finds them; a change comes after them).
    /// </summary>
    public Task IndexPendingAsync() => _journal?.IndexPendingAsync() ?? Task.CompletedTask;

    /// <summary>Events answered but not yet in the database (in the journal).</summary>
    public long Unindexed => _journal?.Unindexed ?? 0;

    public override async Task StartAsync(CancellationToken ct)
    {
        // Before the node serves: events a crash left in the journal are indexed first, and come before any new one.
        if (options.JournalFolder is { } folder)
        {
            // Events past the retention period may already be deleted from the database: never brought back.
            var keepSince = time.GetUtcNow().AddDays(-options.RetentionDays).ToUnixTimeMilliseconds();
            var journal = new EventJournal(folder, db, log, keepSince);
            await journal.OpenAsync(ct);
            _journal = journal;
        }
        await base.StartAsync(ct);
    }

    /// <summary>Group commit into the database (PostgreSQL): everything queued while a group was being written goes in
    /// the next. Several groups commit at once, each in a transaction of its own (their calls are concurrent, so their
    /// events have no order among them), and the server merges their flushes: a call waits for one commit, not for a
    /// queue of them.</summary>
    protected override Task ExecuteAsync(CancellationToken ct)
    {
        var writers = db.Engine == "postgres" ? ConcurrentGroups : 1;
        return Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(WriteLoopAsync, CancellationToken.None)));
    }

    /// <summary>Groups committing at once on PostgreSQL.</summary>
    private const int ConcurrentGroups = 2;

    private async Task WriteLoopAsync()
    {
        var batch = new List<(AuditEventRecord Event, TaskCompletionSource Done)>(GroupMax);
        var events = new List<AuditEventRecord>(GroupMax);
        var reader = _queue.Reader;
        // Not cancelled on shutdown: the queue is completed and drained, so no caller is left waiting.
        while (await reader.WaitToReadAsync())
        {
            while (batch.Count < GroupMax && reader.TryRead(out var item))
                batch.Add(item);
            if (batch.Count == 0)
                continue; // another writer took them
            foreach (var (e, _) in batch)
                events.Add(e);
            try
            {
                await db.InsertAuditEventsAsync(events);
                foreach (var (_, done) in batch)
                    done.TrySetResult();
            }
            catch (Exception ex)
            {
                // One event that cannot be stored must fail only its own call: store the batch one by one.
                log.LogWarning(
                    ex,
                    "Could not write {Count} audit events together; writing them one by one",
                    batch.Count
                );
                foreach (var (e, done) in batch)
                    await WriteOneAsync(e, done);
            }
            batch.Clear();
            events.Clear();
        }
    }

    private async Task WriteOneAsync(AuditEventRecord e, TaskCompletionSource done)
    {
        try
        {
            await db.InsertAuditEventsAsync([e]);
            done.TrySetResult();
        }
        catch (Exception ex)
        {
            log.LogError(ex, "Could not write the audit event of request {RequestId}", e.EventId);
            done.TrySetException(new StoreUnavailableException("The audit log could not be written.", ex));
        }
    }

    public override async Task StopAsync(CancellationToken ct)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(ct);
        if (_journal is not null)
            await _journal.DisposeAsync();
    }

    // ------------------------------------------------------------------ the record

    public AuditEventRecord Build(
        CallContext ctx,
        IOperation op,
        ReadOnlySpan<byte> request,
        ReadOnlySpan<byte> response,
        ApiException? error
    )
    {
        var now = time.GetUtcNow();
        // Time-ordered (UUIDv7): new ids land at the end of the event-id index instead of all over it.
        var eventId = Uuids.NewTimeOrdered(now).ToString();
        var source = EventSource(ctx.ActionPrefix);
        var username = ctx.UserName ?? "root";
        var scratch = t_scratch ??= new Scratch();
        var resources = scratch.Resources;
        resources.Clear();
        var buffer = scratch.Record;
        buffer.ResetWrittenCount();
        var w = scratch.RecordWriter;
        w.Reset(buffer);
        w.WriteStartObject();
        w.WriteString("eventVersion"u8, "1.08"u8);
        w.WriteStartObject("userIdentity"u8);
        w.WriteString("type"u8, ctx.UserName is null ? "Root"u8 : "IAMUser"u8);
        w.WriteString("principalId"u8, ctx.UserName is null ? ctx.AccountId : ctx.AccessKeyId);
        w.WriteString("arn"u8, ctx.PrincipalArn);
        w.WriteString("accountId"u8, ctx.AccountId);
        w.WriteString("accessKeyId"u8, ctx.AccessKeyId);
        if (ctx.UserName is not null)
            w.WriteString("userName"u8, ctx.UserName);
        w.WriteEndObject();
        w.WriteString("eventTime"u8, EventTime(now, stackalloc byte[20]));
        w.WriteString("eventSource"u8, source);
        w.WriteString("eventName"u8, op.Name);
        w.WriteString("awsRegion"u8, ctx.Region);
        w.WriteString("sourceIPAddress"u8, ctx.SourceIp ?? "unknown");
        w.WriteString("userAgent"u8, ctx.UserAgent ?? "");
        w.WritePropertyName("requestParameters"u8);
        WriteBounded(w, request, resources);
        // As CloudTrail records it: responseElements only for calls that change something.
        w.WritePropertyName("responseElements"u8);
        if (error is not null || response.IsEmpty || op.ReadOnly)
            w.WriteNullValue();
        else
            WriteBounded(w, response, resources);
        if (error is not null)
        {
            w.WriteString("errorCode"u8, error.Code);
            w.WriteString("errorMessage"u8, error.Message);
        }
        w.WriteString("requestID"u8, ctx.RequestId);
        w.WriteString("eventID"u8, eventId);
        w.WriteBoolean("readOnly"u8, op.ReadOnly);
        if (resources.Count > 0)
        {
            w.WriteStartArray("resources"u8);
            foreach (var (type, name) in resources.Distinct())
            {
                w.WriteStartObject();
                w.WriteString("type"u8, type);
                w.WriteString("ARN"u8, Arn(ctx, type, name));
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteString("eventType"u8, "AwsApiCall"u8);
        w.WriteBoolean("managementEvent"u8, true);
        w.WriteString("recipientAccountId"u8, ctx.AccountId);
        w.WriteString("eventCategory"u8, "Management"u8);
        w.WriteEndObject();
        w.Flush();
        var record = new AuditEventRecord
        {
            EventId = eventId,
            AccountId = ctx.AccountId,
            Region = ctx.Region,
            EventTime = now.ToUnixTimeMilliseconds(),
            EventName = op.Name,
            EventSource = source,
            ReadOnly = op.ReadOnly,
            Username = username,
            AccessKeyId = ctx.AccessKeyId,
            Body = Encoding.UTF8.GetString(buffer.WrittenSpan),
            Resources =
                resources.Count == 0
                    ? null
                    : string.Join('\n', resources.Distinct().Select(r => r.Type + "\t" + r.Name)),
        };
        scratch.Release();
        return record;
    }

    // The few API prefixes there are ("workspaces", "ds", ...), from the routing table, never from client text.
    private static readonly ConcurrentDictionary<string, string> EventSources = new(StringComparer.Ordinal);

    private static string EventSource(string prefix) => EventSources.GetOrAdd(prefix, p => p + ".amazonaws.com");

    /// <summary>yyyy-MM-ddTHH:mm:ssZ, as CloudTrail writes eventTime.</summary>
    private static ReadOnlySpan<byte> EventTime(DateTimeOffset now, Span<byte> text)
    {
        var t = now.UtcDateTime;
        var ok = t.TryFormat(text, out var n, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return ok
            ? text[..n]
            : Encoding.UTF8.GetBytes(t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
    }

    /// <summary>The buffers and writers one thread builds records with, kept between calls (a record is a few hundred
    /// bytes of JSON; new buffers and writers for each would be most of its cost).</summary>
    private sealed class Scratch
    {
        public readonly List<(string Type, string Name)> Resources = [];
        public readonly List<(string, string)> Found = [];
        public ArrayBufferWriter<byte> Record = new(2048);
        public readonly Utf8JsonWriter RecordWriter = new(Stream.Null);
        public ArrayBufferWriter<byte> Copy = new(2048);
        public readonly Utf8JsonWriter CopyWriter = new(Stream.Null);

        /// <summary>Lets go of what a large body made the buffers grow to, and of the caller's data.</summary>
        public void Release()
        {
            RecordWriter.Reset(Stream.Null);
            CopyWriter.Reset(Stream.Null);
            if (Record.Capacity > 64 * 1024)
                Record = new ArrayBufferWriter<byte>(2048);
            if (Copy.Capacity > 64 * 1024)
                Copy = new ArrayBufferWriter<byte>(2048);
        }
    }

    [ThreadStatic]
    private static Scratch? t_scratch;

    /// <summary>The body as <see cref="WriteCamel"/> records it, or only its size when either the body or what it
    /// becomes is larger than <see cref="MaxParametersBytes"/>: escaping can make the record several times the
    /// size of the body (\u0000 for one byte), and every event must stay bounded in the store and in LookupEvents.
    /// Resources are named by a few ids at most.</summary>
    private static void WriteBounded(Utf8JsonWriter w, ReadOnlySpan<byte> json, List<(string, string)> resources)
    {
        if (json.Length > MaxParametersBytes)
        {
            WriteOmitted(w, json.Length);
            return;
        }
        var scratch = t_scratch!;
        var found = scratch.Found;
        found.Clear();
        var copy = scratch.Copy;
        copy.ResetWrittenCount();
        var cw = scratch.CopyWriter;
        cw.Reset(copy);
        if (!WriteCamel(cw, json, found))
        {
            // Not JSON (or an empty object): null, whatever was copied before the reader stopped.
            found.Clear();
            copy.ResetWrittenCount();
            cw.Reset(copy);
            cw.WriteNullValue();
        }
        cw.Flush();
        if (copy.WrittenCount > MaxParametersBytes)
        {
            WriteOmitted(w, json.Length);
            return;
        }
        w.WriteRawValue(copy.WrittenSpan, skipInputValidation: true);
        foreach (var r in found.Distinct())
            if (resources.Count < MaxResources && !resources.Contains(r))
                resources.Add(r);
    }

    private static void WriteOmitted(Utf8JsonWriter w, int size)
    {
        w.WriteStartObject();
        w.WriteBoolean("omitted", true);
        w.WriteNumber("originalSize", size);
        w.WriteEndObject();
    }

    private static string Arn(CallContext ctx, string type, string name) =>
        type switch
        {
            ResourceTypes.Directory => ctx.DirectoryArn(name),
            ResourceTypes.Bundle => ctx.BundleArn(name),
            _ => ctx.WorkspaceArn(name),
        };

    /// <summary>Copies a JSON body with camelCase member names (as CloudTrail records them), hiding sensitive values
    /// and noting the resources it names, in one pass of a reader; false when the body is not one JSON value (or is
    /// an empty object), which the record shows as null.</summary>
    private static bool WriteCamel(Utf8JsonWriter w, ReadOnlySpan<byte> json, List<(string, string)> resources)
    {
        if (IsEmptyObject(json))
            return false;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
        try
        {
            if (!reader.Read())
                return false;
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                var next = reader; // a copy: looks one token ahead
                if (next.Read() && next.TokenType == JsonTokenType.EndObject)
                    return false;
            }
            Copy(ref reader, w, null, resources);
            while (reader.Read()) { } // anything after the value is an error the reader throws
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Copies the value the reader is on; <paramref name="name"/> is the member it belongs to (an array's
    /// items belong to the array's member).</summary>
    private static void Copy(
        ref Utf8JsonReader reader,
        Utf8JsonWriter w,
        string? name,
        List<(string, string)> resources
    )
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                w.WriteStartObject();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    // A member name is client text too: one that is not valid UTF-8 (or holds an unpaired
                    // surrogate) is recorded as its raw text; the API ignored it, so it names no resource.
                    var text = TryGetText(ref reader);
                    var member = text ?? RawText(reader.ValueSpan);
                    w.WritePropertyName(Camel(member));
                    reader.Read();
                    if (Sensitive().IsMatch(member))
                    {
                        w.WriteStringValue("HIDDEN_DUE_TO_SECURITY_REASONS");
                        reader.Skip();
                    }
                    else
                        Copy(ref reader, w, text, resources);
                }
                w.WriteEndObject();
                break;
            case JsonTokenType.StartArray:
                w.WriteStartArray();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    Copy(ref reader, w, name, resources);
                w.WriteEndArray();
                break;
            case JsonTokenType.String:
                if (TryGetText(ref reader) is not { } value)
                {
                    // Invalid UTF-8 or an unpaired surrogate: recorded as its raw text, with replacement characters.
                    w.WriteStringValue(RawText(reader.ValueSpan));
                    break;
                }
                if (ResourceTypes.Of(name, value) is { } type)
                    resources.Add((type, value));
                w.WriteStringValue(value);
                break;
            case JsonTokenType.Number:
                w.WriteRawValue(reader.ValueSpan, skipInputValidation: true); // the number as sent
                break;
            case JsonTokenType.True or JsonTokenType.False:
                w.WriteBooleanValue(reader.TokenType == JsonTokenType.True);
                break;
            default:
                w.WriteNullValue();
                break;
        }
    }

    private static string? TryGetText(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>JSON text as sent (escapes left as they are), with U+FFFD for bytes that are not UTF-8.</summary>
    private static string RawText(ReadOnlySpan<byte> utf8) => Encoding.UTF8.GetString(utf8);

    private static bool IsEmptyObject(ReadOnlySpan<byte> json)
    {
        json = json.Trim(" \t\r\n"u8);
        return json.IsEmpty || json.SequenceEqual("{}"u8);
    }

    private static string Camel(string name) =>
        name.Length == 0 || char.IsLower(name[0]) ? name : char.ToLowerInvariant(name[0]) + name[1..];

    [GeneratedRegex("(?i)(password|secret|sessiontoken|registrationcode)")]
    private static partial Regex Sensitive();
}
