// Requests and results of the Directory Service Data user actions (restJson1, signed for "ds-data"), named as in
// AWS's model. DirectoryId comes from the query string and is merged into the request.
namespace Cubicle.DirectoryData;

/// <summary>An LDAP attribute's value: one of a string, a number, a set of strings, a boolean.</summary>
public sealed class AttributeValue
{
    public string? S { get; set; }
    public long? N { get; set; }
    public List<string>? SS { get; set; }
    public bool? BOOL { get; set; }
}

public sealed class CreateUserRequest
{
    public string? DirectoryId { get; set; }
    public string? ClientToken { get; set; }
    public string? EmailAddress { get; set; }
    public string? GivenName { get; set; }
    public Dictionary<string, AttributeValue>? OtherAttributes { get; set; }
    public string? SAMAccountName { get; set; }
    public string? Surname { get; set; }
}

public sealed class CreateUserResult
{
    public string? DirectoryId { get; set; }
    public string? SAMAccountName { get; set; }
    public string? SID { get; set; }
}

public sealed class DescribeUserRequest
{
    public string? DirectoryId { get; set; }
    public List<string>? OtherAttributes { get; set; }
    public string? Realm { get; set; }
    public string? SAMAccountName { get; set; }
}

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

public sealed class ListUsersRequest
{
    public string? DirectoryId { get; set; }
    public int? MaxResults { get; set; }
    public string? NextToken { get; set; }
    public string? Realm { get; set; }
}

public sealed class UserSummary
{
    public bool? Enabled { get; set; }
    public string? GivenName { get; set; }
    public string? SAMAccountName { get; set; }
    public string? SID { get; set; }
    public string? Surname { get; set; }
}

public sealed class ListUsersResult
{
    public string? DirectoryId { get; set; }
    public string? NextToken { get; set; }
    public string? Realm { get; set; }
    public List<UserSummary>? Users { get; set; }
}

public sealed class SearchUsersRequest
{
    public string? DirectoryId { get; set; }
    public int? MaxResults { get; set; }
    public string? NextToken { get; set; }
    public string? Realm { get; set; }
    public List<string>? SearchAttributes { get; set; }
    public string? SearchString { get; set; }
}

public sealed class SearchUsersResult
{
    public string? DirectoryId { get; set; }
    public string? NextToken { get; set; }
    public string? Realm { get; set; }
    public List<DescribeUserResult>? Users { get; set; }
}

public sealed class UpdateUserRequest
{
    public string? DirectoryId { get; set; }
    public string? ClientToken { get; set; }
    public string? EmailAddress { get; set; }
    public string? GivenName { get; set; }
    public Dictionary<string, AttributeValue>? OtherAttributes { get; set; }
    public string? SAMAccountName { get; set; }
    public string? Surname { get; set; }
    public string? UpdateType { get; set; }
}

/// <summary>The request of DisableUser and DeleteUser.</summary>
public sealed class UserRequest
{
    public string? DirectoryId { get; set; }
    public string? ClientToken { get; set; }
    public string? SAMAccountName { get; set; }
}

public sealed class DsDataEmptyResult
{
    public static readonly DsDataEmptyResult Instance = new();
}
