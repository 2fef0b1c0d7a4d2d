namespace Cubicle.Services.WorkSpaces;

public sealed class TerminateWorkspacesRequest
{
    public List<WorkspaceChangeRequest>? TerminateWorkspaceRequests { get; set; }
}
