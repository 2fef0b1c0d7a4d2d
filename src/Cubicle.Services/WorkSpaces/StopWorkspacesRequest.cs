namespace Cubicle.Services.WorkSpaces;

public sealed class StopWorkspacesRequest
{
    public List<WorkspaceChangeRequest>? StopWorkspaceRequests { get; set; }
}
