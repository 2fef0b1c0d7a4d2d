namespace Cubicle.Services.WorkSpaces;

public sealed class RegisterWorkspaceDirectoryRequest
{
    public string? DirectoryId { get; set; }
    public List<string>? SubnetIds { get; set; }
    public bool? EnableWorkDocs { get; set; }
    public bool? EnableSelfService { get; set; }
    public string? Tenancy { get; set; }
    public List<Tag>? Tags { get; set; }
    public string? WorkspaceDirectoryName { get; set; }
    public string? WorkspaceDirectoryDescription { get; set; }
    public string? UserIdentityType { get; set; }
    public string? IdcInstanceArn { get; set; }
    public string? WorkspaceType { get; set; }
}
