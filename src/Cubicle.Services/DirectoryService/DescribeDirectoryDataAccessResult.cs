namespace Cubicle.Services.DirectoryService;

public sealed class DescribeDirectoryDataAccessResult
{
    public string? DataAccessStatus { get; set; }
}
