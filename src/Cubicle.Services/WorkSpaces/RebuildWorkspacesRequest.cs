namespace Cubicle.Services.WorkSpaces;

public sealed class RebuildWorkspacesRequest
{
    public List<WorkspaceChangeRequest>? RebuildWorkspaceRequests { get; set; }
}
