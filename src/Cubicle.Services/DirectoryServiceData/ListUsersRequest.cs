namespace Cubicle.Services.DirectoryServiceData;

public sealed class ListUsersRequest
{
    public string? DirectoryId { get; set; }
    public int? MaxResults { get; set; }
    public string? NextToken { get; set; }
    public string? Realm { get; set; }
}
