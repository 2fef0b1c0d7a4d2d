namespace Cubicle.Api;

public sealed class DescribeAccountRequest;
