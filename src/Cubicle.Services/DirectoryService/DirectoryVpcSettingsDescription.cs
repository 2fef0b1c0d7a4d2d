namespace Cubicle.Services.DirectoryService;

public sealed class DirectoryVpcSettingsDescription
{
    public string? VpcId { get; set; }
    public List<string>? SubnetIds { get; set; }
    public string? SecurityGroupId { get; set; }
    public List<string>? AvailabilityZones { get; set; }
}
