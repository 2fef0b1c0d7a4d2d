namespace Cubicle.Services.DirectoryService;

public sealed class DirectoryConnectSettingsDescription
{
    public string? VpcId { get; set; }
    public List<string>? SubnetIds { get; set; }
    public string? CustomerUserName { get; set; }
    public string? SecurityGroupId { get; set; }
    public List<string>? AvailabilityZones { get; set; }
    public List<string>? ConnectIps { get; set; }
}
