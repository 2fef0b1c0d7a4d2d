namespace Cubicle.Services.WorkSpaces;

public sealed class DescribeWorkspaceDirectoriesResult
{
    public List<WorkspaceDirectory>? Directories { get; set; }
    public string? NextToken { get; set; }
}
