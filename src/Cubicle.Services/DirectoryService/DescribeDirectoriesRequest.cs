namespace Cubicle.Services.DirectoryService;

public sealed class DescribeDirectoriesRequest
{
    public List<string>? DirectoryIds { get; set; }
    public string? NextToken { get; set; }
    public int? Limit { get; set; }
}
