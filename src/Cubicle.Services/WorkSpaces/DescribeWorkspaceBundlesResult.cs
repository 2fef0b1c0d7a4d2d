namespace Cubicle.Services.WorkSpaces;

public sealed class DescribeWorkspaceBundlesResult
{
    public List<WorkspaceBundle>? Bundles { get; set; }
    public string? NextToken { get; set; }
}
