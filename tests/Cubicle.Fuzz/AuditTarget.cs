using System.Text;
using System.Text.Json;
using Cubicle.Audit;
using Cubicle.Protocol;
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

    // Only the builder runs: no database is opened and nothing is queued.
    private static readonly AuditLog Log = new(
        null!,
        TimeProvider.System,
        new AuditOptions(),
        NullLogger<AuditLog>.Instance
    );
    private static readonly CallContext Context = new()
    {
        RequestId = "00000000-0000-0000-0000-000000000000",
        AccountId = "000000000000",
        Region = "us-east-1",
        AccessKeyId = "AKIDEXAMPLE",
        PrincipalArn = "arn:aws:iam::000000000000:root",
        UserAgent = "fuzz",
        SourceIp = "127.0.0.1",
    };

    public static void Run(byte[] input)
    {
        Record(new Op("DescribeWorkspaces", readOnly: true), input, default, null);
        Record(new Op("CreateTags", readOnly: false), input, input, null);
        var error = new ApiException(
            ErrorCodes.ResourceNotFound,
            $"The resource {Encoding.Latin1.GetString(input)} " + "could not be found."
        )
        {
            ResourceId = Encoding.UTF8.GetString(input),
        };
        Record(new Op("TerminateWorkspaces", readOnly: false), input, null, error);
    }

    private static void Record(IOperation op, byte[] request, byte[]? response, ApiException? error)
    {
        var e = Log.Build(Context, op, request, response ?? [], error);
        var size = Encoding.UTF8.GetByteCount(e.Body);
        if (size > MaxRecordBytes)
            throw new InvalidOperationException($"a record of {size} bytes from a body of {request.Length}");
        using (JsonDocument.Parse(e.Body)) { }
        var resources = e.Resources?.Split('\n').Length ?? 0;
        if (resources > MaxResources)
            throw new InvalidOperationException($"a record naming {resources} resources");
    }

    private sealed class Op(string name, bool readOnly) : IOperation
    {
        public string Name => name;
        public bool ReadOnly => readOnly;

        public Task InvokeAsync(
            CallContext ctx,
            ReadOnlyMemory<byte> body,
            ICallObserver? observer,
            PooledBuffer output
        ) => throw new NotSupportedException();
    }
}
