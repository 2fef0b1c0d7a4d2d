namespace Cubicle.Services.WorkSpaces;

public sealed class CreateWorkspacesRequest
{
    public List<WorkspaceRequest>? Workspaces { get; set; }
}
