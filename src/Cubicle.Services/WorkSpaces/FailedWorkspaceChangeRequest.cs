namespace Cubicle.Services.WorkSpaces;

public sealed class FailedWorkspaceChangeRequest
{
    public string? WorkspaceId { get; set; }
    public string? ErrorCode { get; set; }
    public string? ErrorMessage { get; set; }
}
