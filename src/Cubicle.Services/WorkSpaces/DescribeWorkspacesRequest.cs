namespace Cubicle.Services.WorkSpaces;

public sealed class DescribeWorkspacesRequest
{
    public List<string>? WorkspaceIds { get; set; }
    public string? DirectoryId { get; set; }
    public string? UserName { get; set; }
    public string? BundleId { get; set; }
    public int? Limit { get; set; }
    public string? NextToken { get; set; }
    public string? WorkspaceName { get; set; }
}
