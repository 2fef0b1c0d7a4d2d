namespace Cubicle.Services.Admin;

public sealed class DescribeHostsResult
{
    public List<HostDescription>? Hosts { get; set; }
}
