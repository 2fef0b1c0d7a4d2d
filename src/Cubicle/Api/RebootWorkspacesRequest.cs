namespace Cubicle.Api;

public sealed class RebootWorkspacesRequest
{
    public List<WorkspaceChangeRequest>? RebootWorkspaceRequests { get; set; }
}
