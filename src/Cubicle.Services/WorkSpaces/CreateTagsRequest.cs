namespace Cubicle.Services.WorkSpaces;

public sealed class CreateTagsRequest
{
    public string? ResourceId { get; set; }
    public List<Tag>? Tags { get; set; }
}
