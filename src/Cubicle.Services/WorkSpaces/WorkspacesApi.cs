using Cubicle.Protocol;

namespace Cubicle.Services.WorkSpaces;

/// <summary>The WorkSpaces actions (the seed's 14 and today's directory, snapshot and state actions), behind
/// X-Amz-Target "WorkspacesService.*", signed for "workspaces".</summary>
public static class WorkspacesApi
{
    public static ServiceApi Create(
        WorkspaceService workspaces,
        WorkspaceDirectoryService directories,
        BundleService bundles,
        TagService tags
    )
    {
        var j = ApiJsonContext.Default;
        IOperation[] ops =
        [
            new Operation<CreateTagsRequest, EmptyResult>(
                "CreateTags",
                j.CreateTagsRequest,
                j.EmptyResult,
                tags.CreateAsync
            ),
            new Operation<CreateWorkspacesRequest, CreateWorkspacesResult>(
                "CreateWorkspaces",
                j.CreateWorkspacesRequest,
                j.CreateWorkspacesResult,
                workspaces.CreateAsync
            ),
            new Operation<DeleteTagsRequest, EmptyResult>(
                "DeleteTags",
                j.DeleteTagsRequest,
                j.EmptyResult,
                tags.DeleteAsync
            ),
            new Operation<DescribeTagsRequest, DescribeTagsResult>(
                "DescribeTags",
                j.DescribeTagsRequest,
                j.DescribeTagsResult,
                tags.DescribeAsync
            ),
            new Operation<DescribeWorkspaceBundlesRequest, DescribeWorkspaceBundlesResult>(
                "DescribeWorkspaceBundles",
                j.DescribeWorkspaceBundlesRequest,
                j.DescribeWorkspaceBundlesResult,
                bundles.DescribeAsync
            ),
            new Operation<DescribeWorkspaceDirectoriesRequest, DescribeWorkspaceDirectoriesResult>(
                "DescribeWorkspaceDirectories",
                j.DescribeWorkspaceDirectoriesRequest,
                j.DescribeWorkspaceDirectoriesResult,
                directories.DescribeAsync
            ),
            new Operation<DescribeWorkspacesRequest, DescribeWorkspacesResult>(
                "DescribeWorkspaces",
                j.DescribeWorkspacesRequest,
                j.DescribeWorkspacesResult,
                workspaces.DescribeAsync
            ),
            new Operation<DescribeWorkspacesConnectionStatusRequest, DescribeWorkspacesConnectionStatusResult>(
                "DescribeWorkspacesConnectionStatus",
                j.DescribeWorkspacesConnectionStatusRequest,
                j.DescribeWorkspacesConnectionStatusResult,
                workspaces.ConnectionStatusAsync
            ),
            new Operation<ModifyWorkspacePropertiesRequest, EmptyResult>(
                "ModifyWorkspaceProperties",
                j.ModifyWorkspacePropertiesRequest,
                j.EmptyResult,
                workspaces.ModifyAsync
            ),
            new Operation<RebootWorkspacesRequest, WorkspaceChangeResult>(
                "RebootWorkspaces",
                j.RebootWorkspacesRequest,
                j.WorkspaceChangeResult,
                workspaces.RebootAsync
            ),
            new Operation<RebuildWorkspacesRequest, WorkspaceChangeResult>(
                "RebuildWorkspaces",
                j.RebuildWorkspacesRequest,
                j.WorkspaceChangeResult,
                workspaces.RebuildAsync
            ),
            new Operation<StartWorkspacesRequest, WorkspaceChangeResult>(
                "StartWorkspaces",
                j.StartWorkspacesRequest,
                j.WorkspaceChangeResult,
                workspaces.StartAsync
            ),
            new Operation<StopWorkspacesRequest, WorkspaceChangeResult>(
                "StopWorkspaces",
                j.StopWorkspacesRequest,
                j.WorkspaceChangeResult,
                workspaces.StopAsync
            ),
            new Operation<TerminateWorkspacesRequest, WorkspaceChangeResult>(
                "TerminateWorkspaces",
                j.TerminateWorkspacesRequest,
                j.WorkspaceChangeResult,
                workspaces.TerminateAsync
            ),
            // Beyond the seed's 14: directories, snapshots and states, as today's WorkSpaces has them.
            new Operation<RegisterWorkspaceDirectoryRequest, RegisterWorkspaceDirectoryResult>(
                "RegisterWorkspaceDirectory",
                j.RegisterWorkspaceDirectoryRequest,
                j.RegisterWorkspaceDirectoryResult,
                directories.RegisterAsync
            ),
            new Operation<DeregisterWorkspaceDirectoryRequest, EmptyResult>(
                "DeregisterWorkspaceDirectory",
                j.DeregisterWorkspaceDirectoryRequest,
                j.EmptyResult,
                directories.DeregisterAsync
            ),
            new Operation<ModifyWorkspaceCreationPropertiesRequest, EmptyResult>(
                "ModifyWorkspaceCreationProperties",
                j.ModifyWorkspaceCreationPropertiesRequest,
                j.EmptyResult,
                directories.ModifyCreationPropertiesAsync
            ),
            new Operation<ModifySelfservicePermissionsRequest, EmptyResult>(
                "ModifySelfservicePermissions",
                j.ModifySelfservicePermissionsRequest,
                j.EmptyResult,
                directories.ModifySelfservicePermissionsAsync
            ),
            new Operation<ModifyWorkspaceAccessPropertiesRequest, EmptyResult>(
                "ModifyWorkspaceAccessProperties",
                j.ModifyWorkspaceAccessPropertiesRequest,
                j.EmptyResult,
                directories.ModifyAccessPropertiesAsync
            ),
            new Operation<DescribeWorkspaceSnapshotsRequest, DescribeWorkspaceSnapshotsResult>(
                "DescribeWorkspaceSnapshots",
                j.DescribeWorkspaceSnapshotsRequest,
                j.DescribeWorkspaceSnapshotsResult,
                workspaces.DescribeSnapshotsAsync
            ),
            new Operation<WorkspaceIdRequest, EmptyResult>(
                "RestoreWorkspace",
                j.WorkspaceIdRequest,
                j.EmptyResult,
                workspaces.RestoreAsync
            ),
            new Operation<ModifyWorkspaceStateRequest, EmptyResult>(
                "ModifyWorkspaceState",
                j.ModifyWorkspaceStateRequest,
                j.EmptyResult,
                workspaces.ModifyStateAsync
            ),
            new Operation<DescribeAccountRequest, DescribeAccountResult>(
                "DescribeAccount",
                j.DescribeAccountRequest,
                j.DescribeAccountResult,
                workspaces.DescribeAccountAsync
            ),
        ];
        return new ServiceApi("WorkspacesService", "workspaces", ops);
    }
}
