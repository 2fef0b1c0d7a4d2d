namespace Cubicle.Api;

public sealed class DescribeWorkspaceBundlesResult
{
    public List<WorkspaceBundle>? Bundles { get; set; }
    public string? NextToken { get; set; }
}
