namespace Cubicle.Api;

public sealed class DescribeWorkspacesConnectionStatusRequest
{
    public List<string>? WorkspaceIds { get; set; }
    public string? NextToken { get; set; }
}
