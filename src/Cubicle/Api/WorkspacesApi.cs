using Cubicle.Bundles;
using Cubicle.Directories;
using Cubicle.Protocol;
using Cubicle.Tags;
using Cubicle.Workspaces;

namespace Cubicle.Api;

/// <summary>The 14 actions of the seed, behind X-Amz-Target "WorkspacesService.*", signed for "workspaces".</summary>
public static class WorkspacesApi
{
    public static ServiceApi Create(WorkspaceService workspaces, DirectoryService directories, BundleService bundles, TagService tags)
    {
        var j = ApiJsonContext.Default;
        IOperation[] ops =
        [
            new Operation<CreateTagsRequest, EmptyResult>("CreateTags", j.CreateTagsRequest, j.EmptyResult, tags.CreateAsync),
            new Operation<CreateWorkspacesRequest, CreateWorkspacesResult>("CreateWorkspaces", j.CreateWorkspacesRequest, j.CreateWorkspacesResult, workspaces.CreateAsync),
            new Operation<DeleteTagsRequest, EmptyResult>("DeleteTags", j.DeleteTagsRequest, j.EmptyResult, tags.DeleteAsync),
            new Operation<DescribeTagsRequest, DescribeTagsResult>("DescribeTags", j.DescribeTagsRequest, j.DescribeTagsResult, tags.DescribeAsync),
            new Operation<DescribeWorkspaceBundlesRequest, DescribeWorkspaceBundlesResult>("DescribeWorkspaceBundles", j.DescribeWorkspaceBundlesRequest, j.DescribeWorkspaceBundlesResult, bundles.DescribeAsync),
            new Operation<DescribeWorkspaceDirectoriesRequest, DescribeWorkspaceDirectoriesResult>("DescribeWorkspaceDirectories", j.DescribeWorkspaceDirectoriesRequest, j.DescribeWorkspaceDirectoriesResult, directories.DescribeAsync),
            new Operation<DescribeWorkspacesRequest, DescribeWorkspacesResult>("DescribeWorkspaces", j.DescribeWorkspacesRequest, j.DescribeWorkspacesResult, workspaces.DescribeAsync),
            new Operation<DescribeWorkspacesConnectionStatusRequest, DescribeWorkspacesConnectionStatusResult>("DescribeWorkspacesConnectionStatus", j.DescribeWorkspacesConnectionStatusRequest, j.DescribeWorkspacesConnectionStatusResult, workspaces.ConnectionStatusAsync),
            new Operation<ModifyWorkspacePropertiesRequest, EmptyResult>("ModifyWorkspaceProperties", j.ModifyWorkspacePropertiesRequest, j.EmptyResult, workspaces.ModifyAsync),
            new Operation<RebootWorkspacesRequest, WorkspaceChangeResult>("RebootWorkspaces", j.RebootWorkspacesRequest, j.WorkspaceChangeResult, workspaces.RebootAsync),
            new Operation<RebuildWorkspacesRequest, WorkspaceChangeResult>("RebuildWorkspaces", j.RebuildWorkspacesRequest, j.WorkspaceChangeResult, workspaces.RebuildAsync),
            new Operation<StartWorkspacesRequest, WorkspaceChangeResult>("StartWorkspaces", j.StartWorkspacesRequest, j.WorkspaceChangeResult, workspaces.StartAsync),
            new Operation<StopWorkspacesRequest, WorkspaceChangeResult>("StopWorkspaces", j.StopWorkspacesRequest, j.WorkspaceChangeResult, workspaces.StopAsync),
            new Operation<TerminateWorkspacesRequest, WorkspaceChangeResult>("TerminateWorkspaces", j.TerminateWorkspacesRequest, j.WorkspaceChangeResult, workspaces.TerminateAsync),
        ];
        return new ServiceApi("WorkspacesService", "workspaces", ops);
    }
}
