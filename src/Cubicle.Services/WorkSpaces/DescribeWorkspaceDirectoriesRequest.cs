namespace Cubicle.Services.WorkSpaces;

public sealed class DescribeWorkspaceDirectoriesRequest
{
    public List<string>? DirectoryIds { get; set; }
    public List<string>? WorkspaceDirectoryNames { get; set; }
    public int? Limit { get; set; }
    public string? NextToken { get; set; }
    public List<DescribeWorkspaceDirectoriesFilter>? Filters { get; set; }
}
