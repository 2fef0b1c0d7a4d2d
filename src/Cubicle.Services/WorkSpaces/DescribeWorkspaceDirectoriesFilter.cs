namespace Cubicle.Services.WorkSpaces;

public sealed class DescribeWorkspaceDirectoriesFilter
{
    public string? Name { get; set; }
    public List<string>? Values { get; set; }
}
