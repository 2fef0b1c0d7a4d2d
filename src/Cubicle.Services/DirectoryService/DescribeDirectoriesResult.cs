namespace Cubicle.Services.DirectoryService;

public sealed class DescribeDirectoriesResult
{
    public List<DirectoryDescription>? DirectoryDescriptions { get; set; }
    public string? NextToken { get; set; }
}
