using Cubicle.Domain;

namespace Cubicle.Services.WorkSpaces;

public sealed class ModifyWorkspaceStateRequest
{
    public string? WorkspaceId { get; set; }
    public string? WorkspaceState { get; set; }
}
