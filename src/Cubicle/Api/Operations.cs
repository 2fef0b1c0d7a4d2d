// Input and output shapes of the 14 actions (…Request / …Result, as in the model).
namespace Cubicle.Api;

public sealed class CreateTagsRequest
{
    public string? ResourceId { get; set; }
    public List<Tag>? Tags { get; set; }
}

public sealed class DeleteTagsRequest
{
    public string? ResourceId { get; set; }
    public List<string>? TagKeys { get; set; }
}

public sealed class DescribeTagsRequest
{
    public string? ResourceId { get; set; }
}

public sealed class DescribeTagsResult
{
    public List<Tag>? TagList { get; set; }
}

/// <summary>The empty output of CreateTags, DeleteTags and ModifyWorkspaceProperties.</summary>
public sealed class EmptyResult
{
    public static readonly EmptyResult Instance = new();
}

public sealed class CreateWorkspacesRequest
{
    public List<WorkspaceRequest>? Workspaces { get; set; }
}

public sealed class CreateWorkspacesResult
{
    public List<FailedCreateWorkspaceRequest>? FailedRequests { get; set; }
    public List<Workspace>? PendingRequests { get; set; }
}

public sealed class DescribeWorkspaceBundlesRequest
{
    public List<string>? BundleIds { get; set; }
    public string? Owner { get; set; }
    public string? NextToken { get; set; }
}

public sealed class DescribeWorkspaceBundlesResult
{
    public List<WorkspaceBundle>? Bundles { get; set; }
    public string? NextToken { get; set; }
}

public sealed class DescribeWorkspaceDirectoriesRequest
{
    public List<string>? DirectoryIds { get; set; }
    public List<string>? WorkspaceDirectoryNames { get; set; }
    public int? Limit { get; set; }
    public string? NextToken { get; set; }
    public List<DescribeWorkspaceDirectoriesFilter>? Filters { get; set; }
}

public sealed class DescribeWorkspaceDirectoriesResult
{
    public List<WorkspaceDirectory>? Directories { get; set; }
    public string? NextToken { get; set; }
}

public sealed class DescribeWorkspacesRequest
{
    public List<string>? WorkspaceIds { get; set; }
    public string? DirectoryId { get; set; }
    public string? UserName { get; set; }
    public string? BundleId { get; set; }
    public int? Limit { get; set; }
    public string? NextToken { get; set; }
    public string? WorkspaceName { get; set; }
}

public sealed class DescribeWorkspacesResult : IDisposable
{
    /// <summary>Workspace shapes, pre-rendered by the store (see WorkspaceJson).</summary>
    public List<RawJson>? Workspaces { get; set; }
    public string? NextToken { get; set; }

    /// <summary>The pooled buffer the shapes were read into, given back once the answer is written.</summary>
    internal IDisposable? Buffer { get; set; }

    public void Dispose()
    {
        Buffer?.Dispose();
        Buffer = null;
    }
}

public sealed class DescribeWorkspacesConnectionStatusRequest
{
    public List<string>? WorkspaceIds { get; set; }
    public string? NextToken { get; set; }
}

public sealed class DescribeWorkspacesConnectionStatusResult
{
    public List<WorkspaceConnectionStatus>? WorkspacesConnectionStatus { get; set; }
    public string? NextToken { get; set; }
}

public sealed class ModifyWorkspacePropertiesRequest
{
    public string? WorkspaceId { get; set; }
    public WorkspaceProperties? WorkspaceProperties { get; set; }
    public string? DataReplication { get; set; }
}

public sealed class RebootWorkspacesRequest
{
    public List<WorkspaceChangeRequest>? RebootWorkspaceRequests { get; set; }
}

public sealed class RebuildWorkspacesRequest
{
    public List<WorkspaceChangeRequest>? RebuildWorkspaceRequests { get; set; }
}

public sealed class StartWorkspacesRequest
{
    public List<WorkspaceChangeRequest>? StartWorkspaceRequests { get; set; }
}

public sealed class StopWorkspacesRequest
{
    public List<WorkspaceChangeRequest>? StopWorkspaceRequests { get; set; }
}

public sealed class TerminateWorkspacesRequest
{
    public List<WorkspaceChangeRequest>? TerminateWorkspaceRequests { get; set; }
}

/// <summary>The output of Reboot, Rebuild, Start, Stop and TerminateWorkspaces.</summary>
public sealed class WorkspaceChangeResult
{
    public List<FailedWorkspaceChangeRequest> FailedRequests { get; set; } = [];
}

public sealed class ErrorBody
{
    [System.Text.Json.Serialization.JsonPropertyName("__type")]
    public string? Type { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("message")]
    public string? Message { get; set; }
    public string? ResourceId { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("reason")]
    public string? Reason { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("Reason")]
    public string? RestReason { get; set; }
}

public sealed class RegisterWorkspaceDirectoryRequest
{
    public string? DirectoryId { get; set; }
    public List<string>? SubnetIds { get; set; }
    public bool? EnableWorkDocs { get; set; }
    public bool? EnableSelfService { get; set; }
    public string? Tenancy { get; set; }
    public List<Tag>? Tags { get; set; }
    public string? WorkspaceDirectoryName { get; set; }
    public string? WorkspaceDirectoryDescription { get; set; }
    public string? UserIdentityType { get; set; }
    public string? IdcInstanceArn { get; set; }
    public string? WorkspaceType { get; set; }
}

public sealed class RegisterWorkspaceDirectoryResult
{
    public string? DirectoryId { get; set; }
    public string? State { get; set; }
}

public sealed class DeregisterWorkspaceDirectoryRequest
{
    public string? DirectoryId { get; set; }
}

public sealed class ModifyWorkspaceCreationPropertiesRequest
{
    public string? ResourceId { get; set; }
    public WorkspaceCreationProperties? WorkspaceCreationProperties { get; set; }
}

public sealed class ModifySelfservicePermissionsRequest
{
    public string? ResourceId { get; set; }
    public SelfservicePermissions? SelfservicePermissions { get; set; }
}

public sealed class ModifyWorkspaceAccessPropertiesRequest
{
    public string? ResourceId { get; set; }
    public WorkspaceAccessProperties? WorkspaceAccessProperties { get; set; }
}

public sealed class DescribeWorkspaceSnapshotsRequest
{
    public string? WorkspaceId { get; set; }
}

public sealed class Snapshot
{
    public double? SnapshotTime { get; set; }
}

public sealed class DescribeWorkspaceSnapshotsResult
{
    public List<Snapshot>? RebuildSnapshots { get; set; }
    public List<Snapshot>? RestoreSnapshots { get; set; }
}

/// <summary>The request of RestoreWorkspace (and of any action that names one workspace).</summary>
public sealed class WorkspaceIdRequest
{
    public string? WorkspaceId { get; set; }
}

public sealed class ModifyWorkspaceStateRequest
{
    public string? WorkspaceId { get; set; }
    public string? WorkspaceState { get; set; }
}

public sealed class DescribeAccountRequest;

public sealed class DescribeAccountResult
{
    public string? DedicatedTenancySupport { get; set; }
    public string? DedicatedTenancyManagementCidrRange { get; set; }
    public string? DedicatedTenancyAccountType { get; set; }
    public string? Message { get; set; }
}

