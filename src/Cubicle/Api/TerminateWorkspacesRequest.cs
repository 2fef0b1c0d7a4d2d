namespace Cubicle.Api;

public sealed class TerminateWorkspacesRequest
{
    public List<WorkspaceChangeRequest>? TerminateWorkspaceRequests { get; set; }
}
