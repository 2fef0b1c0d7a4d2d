using Cubicle.Protocol;

namespace Cubicle.Services.WorkSpaces;

/// <summary>The WorkSpaces actions (the seed's 14 and today's directory, snapshot and state actions), behind
/// X-Amz-Target "WorkspacesService.*", signed for "workspaces".</summary>
public static class WorkspacesApi
{
    private static readonly ApiJsonContext j = ApiJsonContext.Default;

    public static ServiceApi Create(
        WorkspaceCreation creation,
        WorkspaceQueries queries,
        WorkspaceStateChanges changes,
        WorkspacePropertyChanges properties,
        WorkspaceDirectoryService directories,
        BundleService bundles,
        TagService tags
    ) =>
        new(
            "WorkspacesService",
            "workspaces",
            [
                .. WorkspaceOperations(creation, queries, changes, properties),
                .. DirectoryOperations(directories),
                .. OtherOperations(bundles, tags),
            ]
        );

    private static IOperation[] WorkspaceOperations(
        WorkspaceCreation creation,
        WorkspaceQueries queries,
        WorkspaceStateChanges changes,
        WorkspacePropertyChanges properties
    ) =>
        [
            Op.Change("CreateWorkspaces", j.CreateWorkspacesRequest, j.CreateWorkspacesResult, creation.CreateAsync),
            Op.Read(
                "DescribeWorkspaces",
                j.DescribeWorkspacesRequest,
                j.DescribeWorkspacesResult,
                queries.DescribeAsync
            ),
            Op.Read(
                "DescribeWorkspacesConnectionStatus",
                j.DescribeWorkspacesConnectionStatusRequest,
                j.DescribeWorkspacesConnectionStatusResult,
                queries.ConnectionStatusAsync
            ),
            Op.Change(
                "ModifyWorkspaceProperties",
                j.ModifyWorkspacePropertiesRequest,
                j.EmptyResult,
                properties.ModifyAsync
            ),
            Op.Change("RebootWorkspaces", j.RebootWorkspacesRequest, j.WorkspaceChangeResult, changes.RebootAsync),
            Op.Change("RebuildWorkspaces", j.RebuildWorkspacesRequest, j.WorkspaceChangeResult, changes.RebuildAsync),
            Op.Change("StartWorkspaces", j.StartWorkspacesRequest, j.WorkspaceChangeResult, changes.StartAsync),
            Op.Change("StopWorkspaces", j.StopWorkspacesRequest, j.WorkspaceChangeResult, changes.StopAsync),
            Op.Change(
                "TerminateWorkspaces",
                j.TerminateWorkspacesRequest,
                j.WorkspaceChangeResult,
                changes.TerminateAsync
            ),
            Op.Read(
                "DescribeWorkspaceSnapshots",
                j.DescribeWorkspaceSnapshotsRequest,
                j.DescribeWorkspaceSnapshotsResult,
                queries.DescribeSnapshotsAsync
            ),
            Op.Change("RestoreWorkspace", j.WorkspaceIdRequest, j.EmptyResult, changes.RestoreAsync),
            Op.Change("ModifyWorkspaceState", j.ModifyWorkspaceStateRequest, j.EmptyResult, changes.ModifyStateAsync),
            Op.Read("DescribeAccount", j.DescribeAccountRequest, j.DescribeAccountResult, queries.DescribeAccountAsync),
        ];

    private static IOperation[] DirectoryOperations(WorkspaceDirectoryService directories) =>
        [
            Op.Read(
                "DescribeWorkspaceDirectories",
                j.DescribeWorkspaceDirectoriesRequest,
                j.DescribeWorkspaceDirectoriesResult,
                directories.DescribeAsync
            ),
            Op.Change(
                "RegisterWorkspaceDirectory",
                j.RegisterWorkspaceDirectoryRequest,
                j.RegisterWorkspaceDirectoryResult,
                directories.RegisterAsync
            ),
            Op.Change(
                "DeregisterWorkspaceDirectory",
                j.DeregisterWorkspaceDirectoryRequest,
                j.EmptyResult,
                directories.DeregisterAsync
            ),
            Op.Change(
                "ModifyWorkspaceCreationProperties",
                j.ModifyWorkspaceCreationPropertiesRequest,
                j.EmptyResult,
                directories.ModifyCreationPropertiesAsync
            ),
            Op.Change(
                "ModifySelfservicePermissions",
                j.ModifySelfservicePermissionsRequest,
                j.EmptyResult,
                directories.ModifySelfservicePermissionsAsync
            ),
            Op.Change(
                "ModifyWorkspaceAccessProperties",
                j.ModifyWorkspaceAccessPropertiesRequest,
                j.EmptyResult,
                directories.ModifyAccessPropertiesAsync
            ),
        ];

    private static IOperation[] OtherOperations(BundleService bundles, TagService tags) =>
        [
            Op.Change("CreateTags", j.CreateTagsRequest, j.EmptyResult, tags.CreateAsync),
            Op.Change("DeleteTags", j.DeleteTagsRequest, j.EmptyResult, tags.DeleteAsync),
            Op.Read("DescribeTags", j.DescribeTagsRequest, j.DescribeTagsResult, tags.DescribeAsync),
            Op.Read(
                "DescribeWorkspaceBundles",
                j.DescribeWorkspaceBundlesRequest,
                j.DescribeWorkspaceBundlesResult,
                bundles.DescribeAsync
            ),
        ];
}
