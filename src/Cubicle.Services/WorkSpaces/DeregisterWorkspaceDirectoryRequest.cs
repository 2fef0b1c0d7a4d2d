namespace Cubicle.Services.WorkSpaces;

public sealed class DeregisterWorkspaceDirectoryRequest
{
    public string? DirectoryId { get; set; }
}
