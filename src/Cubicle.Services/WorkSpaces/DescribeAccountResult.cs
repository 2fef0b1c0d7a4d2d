namespace Cubicle.Services.WorkSpaces;

public sealed class DescribeAccountResult
{
    public string? DedicatedTenancySupport { get; set; }
    public string? DedicatedTenancyManagementCidrRange { get; set; }
    public string? DedicatedTenancyAccountType { get; set; }
    public string? Message { get; set; }
}
