namespace Cubicle.Services.WorkSpaces;

public sealed class FailedCreateWorkspaceRequest
{
    public WorkspaceRequest? WorkspaceRequest { get; set; }
    public string? ErrorCode { get; set; }
    public string? ErrorMessage { get; set; }
}
