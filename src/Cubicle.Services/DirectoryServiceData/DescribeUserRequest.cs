namespace Cubicle.Services.DirectoryServiceData;

public sealed class DescribeUserRequest
{
    public string? DirectoryId { get; set; }
    public List<string>? OtherAttributes { get; set; }
    public string? Realm { get; set; }
    public string? SAMAccountName { get; set; }
}
