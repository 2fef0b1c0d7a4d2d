namespace Cubicle.Services.WorkSpaces;

public sealed class DescribeTagsRequest
{
    public string? ResourceId { get; set; }
}
