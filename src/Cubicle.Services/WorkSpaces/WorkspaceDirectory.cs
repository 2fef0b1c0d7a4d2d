namespace Cubicle.Services.WorkSpaces;

public sealed class WorkspaceDirectory
{
    public string? DirectoryId { get; set; }
    public string? Alias { get; set; }
    public string? DirectoryName { get; set; }
    public string? RegistrationCode { get; set; }
    public List<string>? SubnetIds { get; set; }
    public List<string>? DnsIpAddresses { get; set; }
    public string? CustomerUserName { get; set; }
    public string? IamRoleId { get; set; }
    public string? DirectoryType { get; set; }
    public string? WorkspaceSecurityGroupId { get; set; }
    public string? State { get; set; }
    public DefaultWorkspaceCreationProperties? WorkspaceCreationProperties { get; set; }
    public string? Tenancy { get; set; }
    public string? WorkspaceDirectoryName { get; set; }
    public string? WorkspaceDirectoryDescription { get; set; }
    public string? UserIdentityType { get; set; }
    public string? WorkspaceType { get; set; }
    public string? ErrorMessage { get; set; }
    public SelfservicePermissions? SelfservicePermissions { get; set; }
    public WorkspaceAccessProperties? WorkspaceAccessProperties { get; set; }
}
