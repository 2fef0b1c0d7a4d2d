namespace Cubicle.Services.WorkSpaces;

public sealed class ModifyWorkspacePropertiesRequest
{
    public string? WorkspaceId { get; set; }
    public WorkspaceProperties? WorkspaceProperties { get; set; }
    public string? DataReplication { get; set; }
}
