namespace Cubicle.Services.DirectoryServiceData;

/// <summary>The request of DisableUser and DeleteUser.</summary>
public sealed class UserRequest
{
    public string? DirectoryId { get; set; }
    public string? ClientToken { get; set; }
    public string? SAMAccountName { get; set; }
}
