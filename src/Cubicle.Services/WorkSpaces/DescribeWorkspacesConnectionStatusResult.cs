namespace Cubicle.Services.WorkSpaces;

public sealed class DescribeWorkspacesConnectionStatusResult
{
    public List<WorkspaceConnectionStatus>? WorkspacesConnectionStatus { get; set; }
    public string? NextToken { get; set; }
}
