namespace Cubicle.Services.WorkSpaces;

public sealed class WorkspaceRequest
{
    public string? DirectoryId { get; set; }
    public string? UserName { get; set; }
    public string? BundleId { get; set; }
    public string? VolumeEncryptionKey { get; set; }
    public bool? UserVolumeEncryptionEnabled { get; set; }
    public bool? RootVolumeEncryptionEnabled { get; set; }
    public WorkspaceProperties? WorkspaceProperties { get; set; }
    public List<Tag>? Tags { get; set; }
    public string? WorkspaceName { get; set; }
    public string? Ipv6Address { get; set; }
}
