using System.Text.Json.Serialization;

namespace Cubicle.Services.DirectoryServiceData;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, MaxDepth = 32)]
[JsonSerializable(typeof(CreateUserRequest))]
[JsonSerializable(typeof(CreateUserResult))]
[JsonSerializable(typeof(DescribeUserRequest))]
[JsonSerializable(typeof(DescribeUserResult))]
[JsonSerializable(typeof(ListUsersRequest))]
[JsonSerializable(typeof(ListUsersResult))]
[JsonSerializable(typeof(SearchUsersRequest))]
[JsonSerializable(typeof(SearchUsersResult))]
[JsonSerializable(typeof(UpdateUserRequest))]
[JsonSerializable(typeof(UserRequest))]
[JsonSerializable(typeof(DsDataEmptyResult))]
[JsonSerializable(typeof(Dictionary<string, AttributeValue>))]
public sealed partial class DsDataJsonContext : JsonSerializerContext;
