namespace Cubicle.Services.WorkSpaces;

public sealed class DeleteTagsRequest
{
    public string? ResourceId { get; set; }
    public List<string>? TagKeys { get; set; }
}
