namespace Cubicle.Api;

public sealed class ModifyWorkspaceCreationPropertiesRequest
{
    public string? ResourceId { get; set; }
    public WorkspaceCreationProperties? WorkspaceCreationProperties { get; set; }
}
