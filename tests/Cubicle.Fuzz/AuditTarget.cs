using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Cubicle.Audit;
using Cubicle.Protocol;
using Cubicle.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cubicle.Fuzz;

/// <summary>
/// The audit record builder on the input as a request body: recorded for a read, for a change with the input as
/// its response too, and for a failed call whose error message quotes it. It must never throw, and every record
/// must be JSON of a bounded size naming a bounded number of resources.
/// </summary>
public static class AuditTarget
{
    /// <summary>Two bounded parameters (100 KiB each), a message, and the rest of the event.</summary>
    private const int MaxRecordBytes = 256 * 1024;
    private const int MaxResources = 50;

    // The log is never started: OnCallAsync builds the event and queues it, and the queue is read back here.
    private static readonly AuditLog Log = new(null!, TimeProvider.System, new AuditSignal(), new AuditOptions(),
        NullLogger<AuditLog>.Instance);
    private static readonly ChannelReader<(AuditEventRecord Event, TaskCompletionSource Done)> Queue =
        ((Channel<(AuditEventRecord, TaskCompletionSource)>)typeof(AuditLog)
            .GetField("_queue", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(Log)!).Reader;
    private static readonly CallContext Context = new()
    {
        RequestId = "00000000-0000-0000-0000-000000000000", AccountId = "000000000000", Region = "us-east-1",
        AccessKeyId = "AKIDEXAMPLE", PrincipalArn = "arn:aws:iam::000000000000:root", UserAgent = "fuzz",
        SourceIp = "127.0.0.1",
    };

    public static void Run(byte[] input)
    {
        Record(new Op("DescribeWorkspaces", readOnly: true), input, null, null);
        Record(new Op("CreateTags", readOnly: false), input, input, null);
        var error = new ApiException(ErrorCodes.ResourceNotFound, $"The resource {Encoding.Latin1.GetString(input)} "
            + "could not be found.") { ResourceId = Encoding.UTF8.GetString(input) };
        Record(new Op("TerminateWorkspaces", readOnly: false), input, null, error);
    }

    private static void Record(IOperation op, byte[] request, byte[]? response, ApiException? error)
    {
        _ = Log.OnCallAsync(Context, op, request, response, error);
        if (!Queue.TryRead(out var item)) throw new InvalidOperationException("no event was recorded");
        var e = item.Event;
        var size = Encoding.UTF8.GetByteCount(e.Body);
        if (size > MaxRecordBytes)
            throw new InvalidOperationException($"a record of {size} bytes from a body of {request.Length}");
        using (JsonDocument.Parse(e.Body)) { }
        var resources = e.Resources?.Split('\n').Length ?? 0;
        if (resources > MaxResources) throw new InvalidOperationException($"a record naming {resources} resources");
    }

    private sealed class Op(string name, bool readOnly) : IOperation
    {
        public string Name => name;
        public bool ReadOnly => readOnly;

        public Task<byte[]> InvokeAsync(CallContext ctx, ReadOnlyMemory<byte> body, ICallObserver? observer) =>
            throw new NotSupportedException();
    }
}
