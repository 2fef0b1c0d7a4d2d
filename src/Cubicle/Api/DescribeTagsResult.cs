namespace Cubicle.Api;

public sealed class DescribeTagsResult
{
    public List<Tag>? TagList { get; set; }
}
