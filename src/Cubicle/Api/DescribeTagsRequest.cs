namespace Cubicle.Api;

public sealed class DescribeTagsRequest
{
    public string? ResourceId { get; set; }
}
