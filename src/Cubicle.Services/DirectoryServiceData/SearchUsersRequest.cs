namespace Cubicle.Services.DirectoryServiceData;

public sealed class SearchUsersRequest
{
    public string? DirectoryId { get; set; }
    public int? MaxResults { get; set; }
    public string? NextToken { get; set; }
    public string? Realm { get; set; }
    public List<string>? SearchAttributes { get; set; }
    public string? SearchString { get; set; }
}
