using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Cubicle.Protocol;
using Cubicle.Storage;

namespace Cubicle.Audit;

/// <summary>
/// Builds a call's CloudTrail event: its record as CloudTrail writes it (the JSON body) and the columns it is stored
/// and looked up by. Every call builds one: the buffers it is written with are kept per thread, and reused.
/// </summary>
internal static class AuditEventBuilder
{
    /// <summary>As CloudTrail does, parameters or responses larger than this are recorded only by their size:
    /// every event stays bounded, whatever the request.</summary>
    private const int MaxParametersBytes = 100 * 1024;

    /// <summary>An event names at most this many resources (a batch names 25 at most when it is valid).</summary>
    private const int MaxResources = 50;

    public static AuditEventRecord Build(
        DateTimeOffset now,
        CallContext ctx,
        IOperation op,
        ReadOnlySpan<byte> request,
        ReadOnlySpan<byte> response,
        ApiException? error
    )
    {
        // Time-ordered (UUIDv7): new ids land at the end of the event-id index instead of all over it.
        var eventId = Uuids.NewTimeOrdered(now).ToString();
        var source = EventSource(ctx.ActionPrefix);
        var username = ctx.UserName ?? "root";
        var scratch = ScratchForNewRecord();
        var resources = scratch.Resources;
        var buffer = scratch.Record;
        var w = scratch.RecordWriter;
        w.WriteStartObject();
        w.WriteString("eventVersion"u8, "1.08"u8);
        WriteUserIdentity(w, ctx);
        WriteCall(w, ctx, now, source, op.Name);
        WriteParameters(w, op, request, response, error, resources);
        w.WriteString("requestID"u8, ctx.RequestId);
        w.WriteString("eventID"u8, eventId);
        w.WriteBoolean("readOnly"u8, op.ReadOnly);
        WriteResources(w, ctx, resources);
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

    private static void WriteUserIdentity(Utf8JsonWriter w, CallContext ctx)
    {
        w.WriteStartObject("userIdentity"u8);
        w.WriteString("type"u8, ctx.UserName is null ? "Root"u8 : "IAMUser"u8);
        w.WriteString("principalId"u8, ctx.UserName is null ? ctx.AccountId : ctx.AccessKeyId);
        w.WriteString("arn"u8, ctx.PrincipalArn);
        w.WriteString("accountId"u8, ctx.AccountId);
        w.WriteString("accessKeyId"u8, ctx.AccessKeyId);
        if (ctx.UserName is not null)
            w.WriteString("userName"u8, ctx.UserName);
        w.WriteEndObject();
    }

    /// <summary>When, to which API and from where the call came.</summary>
    private static void WriteCall(Utf8JsonWriter w, CallContext ctx, DateTimeOffset now, string source, string name)
    {
        w.WriteString("eventTime"u8, EventTime(now, stackalloc byte[20]));
        w.WriteString("eventSource"u8, source);
        w.WriteString("eventName"u8, name);
        w.WriteString("awsRegion"u8, ctx.Region);
        w.WriteString("sourceIPAddress"u8, ctx.SourceIp ?? "unknown");
        w.WriteString("userAgent"u8, ctx.UserAgent ?? "");
    }

    /// <summary>What the call asked, and what it answered or why it failed.</summary>
    private static void WriteParameters(
        Utf8JsonWriter w,
        IOperation op,
        ReadOnlySpan<byte> request,
        ReadOnlySpan<byte> response,
        ApiException? error,
        List<(string Type, string Name)> resources
    )
    {
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
    }

    private static void WriteResources(Utf8JsonWriter w, CallContext ctx, List<(string Type, string Name)> resources)
    {
        if (resources.Count == 0)
            return;
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

    /// <summary>The thread's scratch, emptied, its record writer writing to its record buffer.</summary>
    private static Scratch ScratchForNewRecord()
    {
        var scratch = t_scratch ??= new Scratch();
        scratch.Resources.Clear();
        scratch.Record.ResetWrittenCount();
        scratch.RecordWriter.Reset(scratch.Record);
        return scratch;
    }

    /// <summary>The body as <see cref="ParameterCopier.WriteCamel"/> records it, or only its size when either the
    /// body or what it becomes is larger than <see cref="MaxParametersBytes"/>: escaping can make the record several
    /// times the size of the body (\u0000 for one byte), and every event must stay bounded in the store and in
    /// LookupEvents. Resources are named by a few ids at most.</summary>
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
        if (!ParameterCopier.WriteCamel(cw, json, found))
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
}
