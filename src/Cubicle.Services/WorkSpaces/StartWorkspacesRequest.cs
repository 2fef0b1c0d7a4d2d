namespace Cubicle.Services.WorkSpaces;

public sealed class StartWorkspacesRequest
{
    public List<WorkspaceChangeRequest>? StartWorkspaceRequests { get; set; }
}
