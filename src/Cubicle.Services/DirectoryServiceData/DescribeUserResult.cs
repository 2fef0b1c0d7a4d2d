namespace Cubicle.Services.DirectoryServiceData;

public sealed class DescribeUserResult
{
    public string? DirectoryId { get; set; }
    public string? DistinguishedName { get; set; }
    public string? EmailAddress { get; set; }
    public bool? Enabled { get; set; }
    public string? GivenName { get; set; }
    public Dictionary<string, AttributeValue>? OtherAttributes { get; set; }
    public string? Realm { get; set; }
    public string? SAMAccountName { get; set; }
    public string? SID { get; set; }
    public string? Surname { get; set; }
    public string? UserPrincipalName { get; set; }
}
