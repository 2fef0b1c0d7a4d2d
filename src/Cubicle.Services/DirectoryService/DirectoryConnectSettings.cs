namespace Cubicle.Services.DirectoryService;

public sealed class DirectoryConnectSettings
{
    public string? VpcId { get; set; }
    public List<string>? SubnetIds { get; set; }
    public List<string>? CustomerDnsIps { get; set; }
    public List<string>? CustomerDnsIpsV6 { get; set; }
    public string? CustomerUserName { get; set; }
}
