namespace Cubicle.Services.DirectoryServiceData;

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
