namespace Cubicle.Services.DirectoryService;

public sealed class DirectoryDescription
{
    public string? DirectoryId { get; set; }
    public string? Name { get; set; }
    public string? ShortName { get; set; }
    public string? Size { get; set; }
    public string? Alias { get; set; }
    public string? AccessUrl { get; set; }
    public string? Description { get; set; }
    public List<string>? DnsIpAddrs { get; set; }
    public string? Stage { get; set; }
    public double? LaunchTime { get; set; }
    public double? StageLastUpdatedDateTime { get; set; }
    public string? Type { get; set; }
    public DirectoryVpcSettingsDescription? VpcSettings { get; set; }
    public DirectoryConnectSettingsDescription? ConnectSettings { get; set; }
    public string? StageReason { get; set; }
    public bool? SsoEnabled { get; set; }
    public int? DesiredNumberOfDomainControllers { get; set; }
    public string? NetworkType { get; set; }
}
