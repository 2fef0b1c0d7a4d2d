namespace Cubicle.Services.WorkSpaces;

public sealed class RegisterWorkspaceDirectoryResult
{
    public string? DirectoryId { get; set; }
    public string? State { get; set; }
}
