using System.Text.Json.Serialization;

// Data types of the WorkSpaces API, named as in the seed; members added by today's model are
// accepted (and returned where Cubicle has a value) so that modern clients never choke.
namespace Cubicle.Api;

public sealed class Tag
{
    public string? Key { get; set; }
    public string? Value { get; set; }
}

public sealed class ComputeType
{
    public string? Name { get; set; }
}

public sealed class UserStorage
{
    public string? Capacity { get; set; }
}

public sealed class RootStorage
{
    public string? Capacity { get; set; }
}

public sealed class GlobalAcceleratorForWorkSpace
{
    public string? Mode { get; set; }
    public string? PreferredProtocol { get; set; }
}

public sealed class WorkspaceProperties
{
    public string? RunningMode { get; set; }
    public int? RunningModeAutoStopTimeoutInMinutes { get; set; }
    public int? RootVolumeSizeGib { get; set; }
    public int? UserVolumeSizeGib { get; set; }
    public string? ComputeTypeName { get; set; }
    public List<string>? Protocols { get; set; }
    public string? OperatingSystemName { get; set; }
    public GlobalAcceleratorForWorkSpace? GlobalAccelerator { get; set; }
}

public sealed class WorkspaceRequest
{
    public string? DirectoryId { get; set; }
    public string? UserName { get; set; }
    public string? BundleId { get; set; }
    public string? VolumeEncryptionKey { get; set; }
    public bool? UserVolumeEncryptionEnabled { get; set; }
    public bool? RootVolumeEncryptionEnabled { get; set; }
    public WorkspaceProperties? WorkspaceProperties { get; set; }
    public List<Tag>? Tags { get; set; }
    public string? WorkspaceName { get; set; }
    public string? Ipv6Address { get; set; }
}

public sealed class ModificationState
{
    public string? Resource { get; set; }
    public string? State { get; set; }
}

public sealed class Workspace
{
    public string? WorkspaceId { get; set; }
    public string? DirectoryId { get; set; }
    public string? UserName { get; set; }
    public string? IpAddress { get; set; }
    public string? State { get; set; }
    public string? BundleId { get; set; }
    public string? SubnetId { get; set; }
    public string? ErrorMessage { get; set; }
    public string? ErrorCode { get; set; }
    public string? ComputerName { get; set; }
    public string? VolumeEncryptionKey { get; set; }
    public bool? UserVolumeEncryptionEnabled { get; set; }
    public bool? RootVolumeEncryptionEnabled { get; set; }
    public string? WorkspaceName { get; set; }
    public WorkspaceProperties? WorkspaceProperties { get; set; }
    public List<ModificationState>? ModificationStates { get; set; }
}

public sealed class FailedCreateWorkspaceRequest
{
    public WorkspaceRequest? WorkspaceRequest { get; set; }
    public string? ErrorCode { get; set; }
    public string? ErrorMessage { get; set; }
}

public sealed class FailedWorkspaceChangeRequest
{
    public string? WorkspaceId { get; set; }
    public string? ErrorCode { get; set; }
    public string? ErrorMessage { get; set; }
}

/// <summary>RebootRequest, RebuildRequest, StartRequest, StopRequest and TerminateRequest: one member each.</summary>
public sealed class WorkspaceChangeRequest
{
    public string? WorkspaceId { get; set; }
}

public sealed class WorkspaceBundle
{
    public string? BundleId { get; set; }
    public string? Name { get; set; }
    public string? Owner { get; set; }
    public string? Description { get; set; }
    public string? ImageId { get; set; }
    public RootStorage? RootStorage { get; set; }
    public UserStorage? UserStorage { get; set; }
    public ComputeType? ComputeType { get; set; }
    public double? LastUpdatedTime { get; set; }
    public double? CreationTime { get; set; }
    public string? State { get; set; }
    public string? BundleType { get; set; }
}

public sealed class WorkspaceConnectionStatus
{
    public string? WorkspaceId { get; set; }
    public string? ConnectionState { get; set; }
    public double? ConnectionStateCheckTimestamp { get; set; }
    public double? LastKnownUserConnectionTimestamp { get; set; }
}

public sealed class DefaultWorkspaceCreationProperties
{
    public bool? EnableWorkDocs { get; set; }
    public bool? EnableInternetAccess { get; set; }
    public string? DefaultOu { get; set; }
    public string? CustomSecurityGroupId { get; set; }
    public bool? UserEnabledAsLocalAdministrator { get; set; }
    public bool? EnableMaintenanceMode { get; set; }
    public string? InstanceIamRoleArn { get; set; }
}

public sealed class WorkspaceDirectory
{
    public string? DirectoryId { get; set; }
    public string? Alias { get; set; }
    public string? DirectoryName { get; set; }
    public string? RegistrationCode { get; set; }
    public List<string>? SubnetIds { get; set; }
    public List<string>? DnsIpAddresses { get; set; }
    public string? CustomerUserName { get; set; }
    public string? IamRoleId { get; set; }
    public string? DirectoryType { get; set; }
    public string? WorkspaceSecurityGroupId { get; set; }
    public string? State { get; set; }
    public DefaultWorkspaceCreationProperties? WorkspaceCreationProperties { get; set; }
    public string? Tenancy { get; set; }
    public string? WorkspaceDirectoryName { get; set; }
    public string? WorkspaceDirectoryDescription { get; set; }
    public string? UserIdentityType { get; set; }
    public string? WorkspaceType { get; set; }
    public string? ErrorMessage { get; set; }
    public SelfservicePermissions? SelfservicePermissions { get; set; }
    public WorkspaceAccessProperties? WorkspaceAccessProperties { get; set; }
}

public sealed class SelfservicePermissions
{
    public string? RestartWorkspace { get; set; }
    public string? IncreaseVolumeSize { get; set; }
    public string? ChangeComputeType { get; set; }
    public string? SwitchRunningMode { get; set; }
    public string? RebuildWorkspace { get; set; }
}

public sealed class AccessEndpoint
{
    public string? AccessEndpointType { get; set; }
    public string? VpcEndpointId { get; set; }
}

public sealed class AccessEndpointConfig
{
    public List<AccessEndpoint>? AccessEndpoints { get; set; }
    public List<string>? InternetFallbackProtocols { get; set; }
}

public sealed class WorkspaceAccessProperties
{
    public string? DeviceTypeWindows { get; set; }
    public string? DeviceTypeOsx { get; set; }
    public string? DeviceTypeWeb { get; set; }
    public string? DeviceTypeIos { get; set; }
    public string? DeviceTypeAndroid { get; set; }
    public string? DeviceTypeChromeOs { get; set; }
    public string? DeviceTypeZeroClient { get; set; }
    public string? DeviceTypeLinux { get; set; }
    public string? DeviceTypeWorkSpacesThinClient { get; set; }
    public AccessEndpointConfig? AccessEndpointConfig { get; set; }
}

/// <summary>WorkspaceCreationProperties: what ModifyWorkspaceCreationProperties changes of a directory's defaults.</summary>
public sealed class WorkspaceCreationProperties
{
    public bool? EnableWorkDocs { get; set; }
    public bool? EnableInternetAccess { get; set; }
    public string? DefaultOu { get; set; }
    public string? CustomSecurityGroupId { get; set; }
    public bool? UserEnabledAsLocalAdministrator { get; set; }
    public bool? EnableMaintenanceMode { get; set; }
    public string? InstanceIamRoleArn { get; set; }
}

public sealed class DescribeWorkspaceDirectoriesFilter
{
    public string? Name { get; set; }
    public List<string>? Values { get; set; }
}

/// <summary>A member value that is already JSON (a workspace rendered when it was last written), written as is.</summary>
[JsonConverter(typeof(RawJsonConverter))]
public readonly struct RawJson(ReadOnlyMemory<byte> utf8)
{
    public ReadOnlyMemory<byte> Utf8 { get; } = utf8;
}

public sealed class RawJsonConverter : JsonConverter<RawJson>
{
    public override RawJson Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options)
    {
        using var doc = System.Text.Json.JsonDocument.ParseValue(ref reader);
        return new RawJson(System.Text.Encoding.UTF8.GetBytes(doc.RootElement.GetRawText()));
    }

    public override void Write(System.Text.Json.Utf8JsonWriter writer, RawJson value, System.Text.Json.JsonSerializerOptions options) =>
        writer.WriteRawValue(value.Utf8.Span, skipInputValidation: true);
}
