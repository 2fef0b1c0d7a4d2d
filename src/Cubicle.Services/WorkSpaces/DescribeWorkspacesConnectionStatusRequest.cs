namespace Cubicle.Services.WorkSpaces;

public sealed class DescribeWorkspacesConnectionStatusRequest
{
    public List<string>? WorkspaceIds { get; set; }
    public string? NextToken { get; set; }
}
