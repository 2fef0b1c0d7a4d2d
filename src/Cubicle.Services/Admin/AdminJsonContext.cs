using System.Text.Json.Serialization;

namespace Cubicle.Services.Admin;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, MaxDepth = 32)]
[JsonSerializable(typeof(RecordConnectionRequest))]
[JsonSerializable(typeof(RecordConnectionResult))]
[JsonSerializable(typeof(CreateSnapshotRequest))]
[JsonSerializable(typeof(CreateSnapshotResult))]
[JsonSerializable(typeof(DescribeHostsRequest))]
[JsonSerializable(typeof(DescribeHostsResult))]
public sealed partial class AdminJsonContext : JsonSerializerContext;
