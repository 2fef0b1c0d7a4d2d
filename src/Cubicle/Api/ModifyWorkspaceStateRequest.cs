namespace Cubicle.Api;

public sealed class ModifyWorkspaceStateRequest
{
    public string? WorkspaceId { get; set; }
    public string? WorkspaceState { get; set; }
}
