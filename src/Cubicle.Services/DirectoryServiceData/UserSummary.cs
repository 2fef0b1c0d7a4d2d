namespace Cubicle.Services.DirectoryServiceData;

public sealed class UserSummary
{
    public bool? Enabled { get; set; }
    public string? GivenName { get; set; }
    public string? SAMAccountName { get; set; }
    public string? SID { get; set; }
    public string? Surname { get; set; }
}
