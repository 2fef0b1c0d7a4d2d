namespace Cubicle.Services.DirectoryServiceData;

public sealed class CreateUserResult
{
    public string? DirectoryId { get; set; }
    public string? SAMAccountName { get; set; }
    public string? SID { get; set; }
}
