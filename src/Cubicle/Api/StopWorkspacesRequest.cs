namespace Cubicle.Api;

public sealed class StopWorkspacesRequest
{
    public List<WorkspaceChangeRequest>? StopWorkspaceRequests { get; set; }
}
