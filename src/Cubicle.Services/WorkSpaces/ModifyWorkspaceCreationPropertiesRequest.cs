namespace Cubicle.Services.WorkSpaces;

public sealed class ModifyWorkspaceCreationPropertiesRequest
{
    public string? ResourceId { get; set; }
    public WorkspaceCreationProperties? WorkspaceCreationProperties { get; set; }
}
