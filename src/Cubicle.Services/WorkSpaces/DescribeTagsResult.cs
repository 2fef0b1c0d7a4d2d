namespace Cubicle.Services.WorkSpaces;

public sealed class DescribeTagsResult
{
    public List<Tag>? TagList { get; set; }
}
