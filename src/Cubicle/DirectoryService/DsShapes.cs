// Requests, results and data types of the Directory Service actions Cubicle serves (target prefix
// DirectoryService_20150416, signed for "ds"), named as in AWS's model.
namespace Cubicle.DirectoryService;

public sealed class DsTag
{
    public string? Key { get; set; }
    public string? Value { get; set; }
}

public sealed class DirectoryVpcSettings
{
    public string? VpcId { get; set; }
    public List<string>? SubnetIds { get; set; }
}

public sealed class DirectoryConnectSettings
{
    public string? VpcId { get; set; }
    public List<string>? SubnetIds { get; set; }
    public List<string>? CustomerDnsIps { get; set; }
    public List<string>? CustomerDnsIpsV6 { get; set; }
    public string? CustomerUserName { get; set; }
}

public sealed class CreateDirectoryRequest
{
    public string? Name { get; set; }
    public string? ShortName { get; set; }
    public string? Password { get; set; }
    public string? Description { get; set; }
    public string? Size { get; set; }
    public DirectoryVpcSettings? VpcSettings { get; set; }
    public List<DsTag>? Tags { get; set; }
    public string? NetworkType { get; set; }
}

public sealed class ConnectDirectoryRequest
{
    public string? Name { get; set; }
    public string? ShortName { get; set; }
    public string? Password { get; set; }
    public string? Description { get; set; }
    public string? Size { get; set; }
    public DirectoryConnectSettings? ConnectSettings { get; set; }
    public List<DsTag>? Tags { get; set; }
    public string? NetworkType { get; set; }
}

/// <summary>The result of CreateDirectory, ConnectDirectory and DeleteDirectory, and the request of DeleteDirectory
/// and of the data access actions.</summary>
public sealed class DirectoryIdShape
{
    public string? DirectoryId { get; set; }
}

public sealed class DescribeDirectoriesRequest
{
    public List<string>? DirectoryIds { get; set; }
    public string? NextToken { get; set; }
    public int? Limit { get; set; }
}

public sealed class DirectoryVpcSettingsDescription
{
    public string? VpcId { get; set; }
    public List<string>? SubnetIds { get; set; }
    public string? SecurityGroupId { get; set; }
    public List<string>? AvailabilityZones { get; set; }
}

public sealed class DirectoryConnectSettingsDescription
{
    public string? VpcId { get; set; }
    public List<string>? SubnetIds { get; set; }
    public string? CustomerUserName { get; set; }
    public string? SecurityGroupId { get; set; }
    public List<string>? AvailabilityZones { get; set; }
    public List<string>? ConnectIps { get; set; }
}

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

public sealed class DescribeDirectoriesResult
{
    public List<DirectoryDescription>? DirectoryDescriptions { get; set; }
    public string? NextToken { get; set; }
}

public sealed class ResetUserPasswordRequest
{
    public string? DirectoryId { get; set; }
    public string? UserName { get; set; }
    public string? NewPassword { get; set; }
}

public sealed class DescribeDirectoryDataAccessResult
{
    public string? DataAccessStatus { get; set; }
}

/// <summary>The empty result.</summary>
public sealed class DsEmptyResult
{
    public static readonly DsEmptyResult Instance = new();
}
