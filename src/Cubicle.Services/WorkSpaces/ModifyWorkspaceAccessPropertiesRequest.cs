namespace Cubicle.Services.WorkSpaces;

public sealed class ModifyWorkspaceAccessPropertiesRequest
{
    public string? ResourceId { get; set; }
    public WorkspaceAccessProperties? WorkspaceAccessProperties { get; set; }
}
