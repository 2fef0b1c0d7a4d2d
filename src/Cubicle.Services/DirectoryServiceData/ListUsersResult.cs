namespace Cubicle.Services.DirectoryServiceData;

public sealed class ListUsersResult
{
    public string? DirectoryId { get; set; }
    public string? NextToken { get; set; }
    public string? Realm { get; set; }
    public List<UserSummary>? Users { get; set; }
}
