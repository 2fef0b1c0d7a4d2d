namespace Cubicle.Services.DirectoryService;

public sealed class DirectoryVpcSettings
{
    public string? VpcId { get; set; }
    public List<string>? SubnetIds { get; set; }
}
