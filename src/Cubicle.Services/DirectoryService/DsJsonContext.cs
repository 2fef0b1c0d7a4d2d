using System.Text.Json.Serialization;

namespace Cubicle.Services.DirectoryService;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, MaxDepth = 32)]
[JsonSerializable(typeof(CreateDirectoryRequest))]
[JsonSerializable(typeof(ConnectDirectoryRequest))]
[JsonSerializable(typeof(DirectoryIdShape))]
[JsonSerializable(typeof(DescribeDirectoriesRequest))]
[JsonSerializable(typeof(DescribeDirectoriesResult))]
[JsonSerializable(typeof(ResetUserPasswordRequest))]
[JsonSerializable(typeof(DescribeDirectoryDataAccessResult))]
[JsonSerializable(typeof(DsEmptyResult))]
public sealed partial class DsJsonContext : JsonSerializerContext;
