namespace Cubicle.Api;

public sealed class StartWorkspacesRequest
{
    public List<WorkspaceChangeRequest>? StartWorkspaceRequests { get; set; }
}
