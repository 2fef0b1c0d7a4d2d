namespace Cubicle.Services.WorkSpaces;

public sealed class DescribeWorkspaceBundlesRequest
{
    public List<string>? BundleIds { get; set; }
    public string? Owner { get; set; }
    public string? NextToken { get; set; }
}
