namespace Cubicle.Services.DirectoryServiceData;

public sealed class SearchUsersResult
{
    public string? DirectoryId { get; set; }
    public string? NextToken { get; set; }
    public string? Realm { get; set; }
    public List<DescribeUserResult>? Users { get; set; }
}
