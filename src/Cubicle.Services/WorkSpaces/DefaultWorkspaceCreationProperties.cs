namespace Cubicle.Services.WorkSpaces;

public sealed class DefaultWorkspaceCreationProperties
{
    public bool? EnableWorkDocs { get; set; }
    public bool? EnableInternetAccess { get; set; }
    public string? DefaultOu { get; set; }
    public string? CustomSecurityGroupId { get; set; }
    public bool? UserEnabledAsLocalAdministrator { get; set; }
    public bool? EnableMaintenanceMode { get; set; }
    public string? InstanceIamRoleArn { get; set; }
}
