namespace Cubicle.Services.WorkSpaces;

public sealed class CreateWorkspacesResult
{
    public List<FailedCreateWorkspaceRequest>? FailedRequests { get; set; }
    public List<Workspace>? PendingRequests { get; set; }
}
