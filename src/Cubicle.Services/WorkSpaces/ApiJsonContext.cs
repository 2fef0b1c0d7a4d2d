using System.Text.Json.Serialization;
using Cubicle.Protocol;

namespace Cubicle.Services.WorkSpaces;

/// <summary>Source-generated (de)serializers: no reflection on the request path.
/// Unset members are left out, as AWS does.</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNameCaseInsensitive = false,
    MaxDepth = 32,
    AllowTrailingCommas = false
)]
[JsonSerializable(typeof(CreateTagsRequest))]
[JsonSerializable(typeof(DeleteTagsRequest))]
[JsonSerializable(typeof(DescribeTagsRequest))]
[JsonSerializable(typeof(DescribeTagsResult))]
[JsonSerializable(typeof(EmptyResult))]
[JsonSerializable(typeof(CreateWorkspacesRequest))]
[JsonSerializable(typeof(CreateWorkspacesResult))]
[JsonSerializable(typeof(DescribeWorkspaceBundlesRequest))]
[JsonSerializable(typeof(DescribeWorkspaceBundlesResult))]
[JsonSerializable(typeof(DescribeWorkspaceDirectoriesRequest))]
[JsonSerializable(typeof(DescribeWorkspaceDirectoriesResult))]
[JsonSerializable(typeof(DescribeWorkspacesRequest))]
[JsonSerializable(typeof(DescribeWorkspacesResult))]
[JsonSerializable(typeof(DescribeWorkspacesConnectionStatusRequest))]
[JsonSerializable(typeof(DescribeWorkspacesConnectionStatusResult))]
[JsonSerializable(typeof(ModifyWorkspacePropertiesRequest))]
[JsonSerializable(typeof(RebootWorkspacesRequest))]
[JsonSerializable(typeof(RebuildWorkspacesRequest))]
[JsonSerializable(typeof(StartWorkspacesRequest))]
[JsonSerializable(typeof(StopWorkspacesRequest))]
[JsonSerializable(typeof(TerminateWorkspacesRequest))]
[JsonSerializable(typeof(WorkspaceChangeResult))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(WorkspaceDirectory))]
[JsonSerializable(typeof(List<Tag>))]
[JsonSerializable(typeof(WorkspaceProperties))]
[JsonSerializable(typeof(Workspace))]
[JsonSerializable(typeof(RegisterWorkspaceDirectoryRequest))]
[JsonSerializable(typeof(RegisterWorkspaceDirectoryResult))]
[JsonSerializable(typeof(DeregisterWorkspaceDirectoryRequest))]
[JsonSerializable(typeof(ModifyWorkspaceCreationPropertiesRequest))]
[JsonSerializable(typeof(ModifySelfservicePermissionsRequest))]
[JsonSerializable(typeof(ModifyWorkspaceAccessPropertiesRequest))]
[JsonSerializable(typeof(DescribeWorkspaceSnapshotsRequest))]
[JsonSerializable(typeof(DescribeWorkspaceSnapshotsResult))]
[JsonSerializable(typeof(WorkspaceIdRequest))]
[JsonSerializable(typeof(ModifyWorkspaceStateRequest))]
[JsonSerializable(typeof(DescribeAccountRequest))]
[JsonSerializable(typeof(DescribeAccountResult))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
