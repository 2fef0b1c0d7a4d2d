using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using static Cubicle.Tests.DirectoryWorld;

namespace Cubicle.Tests;

/// <summary>
/// What ModifyWorkspaceCreationProperties, ModifySelfservicePermissions and ModifyWorkspaceAccessProperties refuse:
/// each refusal names the member at fault (its path in the request), and changes nothing.
/// </summary>
public sealed class DirectorySettingsRefusalTests
{
    private const string Missing = "The parameter {0} is required but was not provided.";

    private static string NotOneOf(string member, string value, string allowed) =>
        $"Invalid value for {member}: '{value}' is not one of {allowed}.";

    [SkippableFact]
    public async Task The_directory_is_named_by_a_valid_ResourceId()
    {
        using var w = new DirectoryWorld();
        var ctx = w.Caller();
        var calls = new Func<string?, Task>[]
        {
            id =>
                w.Service.ModifyCreationPropertiesAsync(
                    ctx,
                    new() { ResourceId = id, WorkspaceCreationProperties = new() }
                ),
            id =>
                w.Service.ModifySelfservicePermissionsAsync(
                    ctx,
                    new() { ResourceId = id, SelfservicePermissions = new() }
                ),
            id =>
                w.Service.ModifyAccessPropertiesAsync(
                    ctx,
                    new() { ResourceId = id, WorkspaceAccessProperties = new() }
                ),
        };
        var cases = new (string? Id, string Message)[]
        {
            (null, string.Format(Missing, "ResourceId")),
            ("", "Invalid value for ResourceId: its length must be between 10 and 65, but it is 0."),
            ("d-9267", "Invalid value for ResourceId: its length must be between 10 and 65, but it is 6."),
            (
                "wsd-" + new string('a', 62),
                "Invalid value for ResourceId: its length must be between 10 and 65, but it is 66."
            ),
            ("ws-926722edaf", "Invalid value for ResourceId: 'ws-926722edaf' does not match the pattern"),
        };
        foreach (var call in calls)
        foreach (var (id, message) in cases)
        {
            var ex = await Refused(ErrorCodes.InvalidParameterValues, () => call(id));
            Assert.StartsWith(message, ex.Message);
        }
    }

    [SkippableFact]
    public async Task Creation_properties_are_refused_by_the_member_at_fault()
    {
        using var w = new DirectoryWorld();
        var before = await w.JsonAsync(Demo);
        const string M = "WorkspaceCreationProperties.";
        var cases = new (WorkspaceCreationProperties? Properties, string Message)[]
        {
            (null, string.Format(Missing, "WorkspaceCreationProperties")),
            (
                new() { CustomSecurityGroupId = "sg-123" },
                $"Invalid value for {M}CustomSecurityGroupId: 'sg-123' does not match"
            ),
            (
                new() { InstanceIamRoleArn = "role/desks" },
                $"Invalid value for {M}InstanceIamRoleArn: 'role/desks' does not match"
            ),
            (
                new() { DefaultOu = "" },
                $"Invalid value for {M}DefaultOu: its length must be between 1 and 255, but it is 0."
            ),
            (
                new() { DefaultOu = "OU=" + new string('x', 253) },
                $"Invalid value for {M}DefaultOu: its length must be between 1 and 255, but it is 256."
            ),
        };
        foreach (var (properties, message) in cases)
        {
            var ex = await Refused(
                ErrorCodes.InvalidParameterValues,
                () =>
                    w.Service.ModifyCreationPropertiesAsync(
                        w.Caller(),
                        new() { ResourceId = Demo, WorkspaceCreationProperties = properties }
                    )
            );
            Assert.StartsWith(message, ex.Message);
        }
        Assert.Equal(before, await w.JsonAsync(Demo));
    }

    [SkippableFact]
    public async Task Self_service_permissions_are_refused_by_the_member_at_fault()
    {
        using var w = new DirectoryWorld();
        var before = await w.JsonAsync(Demo);
        var members = new (string Name, Func<string, SelfservicePermissions> Make)[]
        {
            ("RestartWorkspace", v => new() { RestartWorkspace = v }),
            ("IncreaseVolumeSize", v => new() { IncreaseVolumeSize = v }),
            ("ChangeComputeType", v => new() { ChangeComputeType = v }),
            ("SwitchRunningMode", v => new() { SwitchRunningMode = v }),
            ("RebuildWorkspace", v => new() { RebuildWorkspace = v }),
        };
        var ex = await Refused(
            ErrorCodes.InvalidParameterValues,
            () => w.Service.ModifySelfservicePermissionsAsync(w.Caller(), new() { ResourceId = Demo })
        );
        Assert.Equal(string.Format(Missing, "SelfservicePermissions"), ex.Message);
        foreach (var (name, make) in members)
        {
            ex = await Refused(
                ErrorCodes.InvalidParameterValues,
                () =>
                    w.Service.ModifySelfservicePermissionsAsync(
                        w.Caller(),
                        new() { ResourceId = Demo, SelfservicePermissions = make("enabled") }
                    )
            );
            Assert.Equal(NotOneOf($"SelfservicePermissions.{name}", "enabled", "ENABLED, DISABLED"), ex.Message);
        }
        Assert.Equal(before, await w.JsonAsync(Demo));
    }

    [SkippableFact]
    public async Task Access_properties_are_refused_by_the_member_at_fault()
    {
        using var w = new DirectoryWorld();
        var before = await w.JsonAsync(Demo);
        const string M = "WorkspaceAccessProperties.";
        var members = new (string Name, Func<string, WorkspaceAccessProperties> Make)[]
        {
            ("DeviceTypeWindows", v => new() { DeviceTypeWindows = v }),
            ("DeviceTypeOsx", v => new() { DeviceTypeOsx = v }),
            ("DeviceTypeWeb", v => new() { DeviceTypeWeb = v }),
            ("DeviceTypeIos", v => new() { DeviceTypeIos = v }),
            ("DeviceTypeAndroid", v => new() { DeviceTypeAndroid = v }),
            ("DeviceTypeChromeOs", v => new() { DeviceTypeChromeOs = v }),
            ("DeviceTypeZeroClient", v => new() { DeviceTypeZeroClient = v }),
            ("DeviceTypeLinux", v => new() { DeviceTypeLinux = v }),
            ("DeviceTypeWorkSpacesThinClient", v => new() { DeviceTypeWorkSpacesThinClient = v }),
        };
        var cases = members
            .Select(m => (m.Make("BLOCK"), NotOneOf(M + m.Name, "BLOCK", "ALLOW, DENY")))
            .Append((null!, string.Format(Missing, "WorkspaceAccessProperties")))
            .Append(
                (
                    new() { AccessEndpointConfig = new() },
                    string.Format(Missing, M + "AccessEndpointConfig.AccessEndpoints")
                )
            )
            .Append(
                (
                    new()
                    {
                        AccessEndpointConfig = new()
                        {
                            AccessEndpoints =
                            [
                                new() { AccessEndpointType = "STREAMING_WSP" },
                                new() { AccessEndpointType = "PCOIP" },
                            ],
                        },
                    },
                    NotOneOf(M + "AccessEndpointConfig.AccessEndpoints[1].AccessEndpointType", "PCOIP", "STREAMING_WSP")
                )
            );
        foreach (var (properties, message) in cases)
        {
            var ex = await Refused(
                ErrorCodes.InvalidParameterValues,
                () =>
                    w.Service.ModifyAccessPropertiesAsync(
                        w.Caller(),
                        new() { ResourceId = Demo, WorkspaceAccessProperties = properties }
                    )
            );
            Assert.Equal(message, ex.Message);
        }
        Assert.Equal(before, await w.JsonAsync(Demo));
    }
}
