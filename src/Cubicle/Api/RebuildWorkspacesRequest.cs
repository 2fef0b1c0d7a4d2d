namespace Cubicle.Api;

public sealed class RebuildWorkspacesRequest
{
    public List<WorkspaceChangeRequest>? RebuildWorkspaceRequests { get; set; }
}
