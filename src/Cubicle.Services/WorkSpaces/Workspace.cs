namespace Cubicle.Services.WorkSpaces;

public sealed class Workspace
{
    public string? WorkspaceId { get; set; }
    public string? DirectoryId { get; set; }
    public string? UserName { get; set; }
    public string? IpAddress { get; set; }
    public string? State { get; set; }
    public string? BundleId { get; set; }
    public string? SubnetId { get; set; }
    public string? ErrorMessage { get; set; }
    public string? ErrorCode { get; set; }
    public string? ComputerName { get; set; }
    public string? VolumeEncryptionKey { get; set; }
    public bool? UserVolumeEncryptionEnabled { get; set; }
    public bool? RootVolumeEncryptionEnabled { get; set; }
    public string? WorkspaceName { get; set; }
    public WorkspaceProperties? WorkspaceProperties { get; set; }
    public List<ModificationState>? ModificationStates { get; set; }
}
