namespace Cubicle.Api;

public sealed class DeregisterWorkspaceDirectoryRequest
{
    public string? DirectoryId { get; set; }
}
