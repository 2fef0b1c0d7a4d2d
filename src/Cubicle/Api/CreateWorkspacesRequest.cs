namespace Cubicle.Api;

public sealed class CreateWorkspacesRequest
{
    public List<WorkspaceRequest>? Workspaces { get; set; }
}
