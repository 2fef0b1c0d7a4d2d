namespace Cubicle.Services.WorkSpaces;

public sealed class DescribeAccountRequest;
