namespace Cubicle.Services.Admin;

public sealed class DescribeHostsRequest;
