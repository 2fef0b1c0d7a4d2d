namespace Cubicle.Services.WorkSpaces;

public sealed class RebootWorkspacesRequest
{
    public List<WorkspaceChangeRequest>? RebootWorkspaceRequests { get; set; }
}
