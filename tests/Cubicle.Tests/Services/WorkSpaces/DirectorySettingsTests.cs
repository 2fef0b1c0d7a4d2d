using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using static Cubicle.Tests.DirectoryWorld;

namespace Cubicle.Tests;

/// <summary>
/// The settings of a registration as a client changes them: ModifyWorkspaceCreationProperties,
/// ModifySelfservicePermissions and ModifyWorkspaceAccessProperties change the members given and keep the others, on
/// a registered directory only.
/// </summary>
public sealed class DirectorySettingsTests
{
    private static Task Creation(DirectoryWorld w, WorkspaceCreationProperties p, string id = Demo) =>
        w.Service.ModifyCreationPropertiesAsync(w.Caller(), new() { ResourceId = id, WorkspaceCreationProperties = p });

    private static Task SelfService(DirectoryWorld w, SelfservicePermissions p, string id = Demo) =>
        w.Service.ModifySelfservicePermissionsAsync(w.Caller(), new() { ResourceId = id, SelfservicePermissions = p });

    private static Task Access(DirectoryWorld w, WorkspaceAccessProperties p, string id = Demo) =>
        w.Service.ModifyAccessPropertiesAsync(w.Caller(), new() { ResourceId = id, WorkspaceAccessProperties = p });

    private static object?[] Values(DefaultWorkspaceCreationProperties c) =>
        [
            c.EnableWorkDocs,
            c.EnableInternetAccess,
            c.DefaultOu,
            c.CustomSecurityGroupId,
            c.UserEnabledAsLocalAdministrator,
            c.EnableMaintenanceMode,
            c.InstanceIamRoleArn,
        ];

    private static string?[] Values(SelfservicePermissions s) =>
        [s.RestartWorkspace, s.IncreaseVolumeSize, s.ChangeComputeType, s.SwitchRunningMode, s.RebuildWorkspace];

    private static string?[] Devices(WorkspaceAccessProperties a) =>
        [
            a.DeviceTypeWindows,
            a.DeviceTypeOsx,
            a.DeviceTypeWeb,
            a.DeviceTypeIos,
            a.DeviceTypeAndroid,
            a.DeviceTypeChromeOs,
            a.DeviceTypeZeroClient,
            a.DeviceTypeLinux,
            a.DeviceTypeWorkSpacesThinClient,
        ];

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Creation_properties_change_as_asked_and_keep_the_rest(string engine)
    {
        using var w = new DirectoryWorld(engine);
        const string Role = $"arn:aws:iam::{Account}:role/desks";
        await Creation(
            w,
            new()
            {
                EnableWorkDocs = true,
                EnableInternetAccess = true,
                DefaultOu = "OU=Desks,DC=corp,DC=example,DC=com",
                CustomSecurityGroupId = "sg-0a1b2c3d",
                UserEnabledAsLocalAdministrator = false,
                EnableMaintenanceMode = false,
                InstanceIamRoleArn = Role,
            }
        );
        var d = (await w.DescribeAsync(Demo))!;
        object?[] all = [true, true, "OU=Desks,DC=corp,DC=example,DC=com", "sg-0a1b2c3d", false, false, Role];
        Assert.Equal(all, Values(d.WorkspaceCreationProperties!));
        Assert.Equal("REGISTERED", d.State);

        // Nothing given, nothing changed.
        var before = await w.JsonAsync(Demo);
        await Creation(w, new());
        Assert.Equal(before, await w.JsonAsync(Demo));

        await Creation(w, new() { CustomSecurityGroupId = "sg-11112222", InstanceIamRoleArn = Role + "-2" });
        all[3] = "sg-11112222";
        all[6] = Role + "-2";
        Assert.Equal(all, Values((await w.DescribeAsync(Demo))!.WorkspaceCreationProperties!));

        await Creation(w, new() { EnableWorkDocs = false, UserEnabledAsLocalAdministrator = true });
        all[0] = false;
        all[4] = true;
        Assert.Equal(all, Values((await w.DescribeAsync(Demo))!.WorkspaceCreationProperties!));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Self_service_permissions_change_as_asked_and_keep_the_rest(string engine)
    {
        using var w = new DirectoryWorld(engine);
        await SelfService(
            w,
            new()
            {
                RestartWorkspace = "DISABLED",
                IncreaseVolumeSize = "ENABLED",
                ChangeComputeType = "ENABLED",
                SwitchRunningMode = "ENABLED",
                RebuildWorkspace = "ENABLED",
            }
        );
        Assert.Equal(
            new string?[] { "DISABLED", "ENABLED", "ENABLED", "ENABLED", "ENABLED" },
            Values((await w.DescribeAsync(Demo))!.SelfservicePermissions!)
        );
        var before = await w.JsonAsync(Demo);
        await SelfService(w, new());
        Assert.Equal(before, await w.JsonAsync(Demo));
        await SelfService(w, new() { RestartWorkspace = "ENABLED", SwitchRunningMode = "DISABLED" });
        Assert.Equal(
            new string?[] { "ENABLED", "ENABLED", "ENABLED", "DISABLED", "ENABLED" },
            Values((await w.DescribeAsync(Demo))!.SelfservicePermissions!)
        );
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Access_properties_change_as_asked_and_keep_the_rest(string engine)
    {
        using var w = new DirectoryWorld(engine);
        AccessEndpointConfig Endpoint(string vpce) =>
            new()
            {
                AccessEndpoints = [new() { AccessEndpointType = "STREAMING_WSP", VpcEndpointId = vpce }],
                InternetFallbackProtocols = ["PCOIP"],
            };
        await Access(
            w,
            new()
            {
                DeviceTypeWindows = "DENY",
                DeviceTypeOsx = "DENY",
                DeviceTypeWeb = "DENY",
                DeviceTypeIos = "DENY",
                DeviceTypeAndroid = "DENY",
                DeviceTypeChromeOs = "DENY",
                DeviceTypeZeroClient = "DENY",
                DeviceTypeLinux = "DENY",
                DeviceTypeWorkSpacesThinClient = "DENY",
                AccessEndpointConfig = Endpoint("vpce-0a1b2c3d"),
            }
        );
        var a = (await w.DescribeAsync(Demo))!.WorkspaceAccessProperties!;
        Assert.All(Devices(a), v => Assert.Equal("DENY", v));
        Assert.Equal("vpce-0a1b2c3d", Assert.Single(a.AccessEndpointConfig!.AccessEndpoints!).VpcEndpointId);
        Assert.Equal(["PCOIP"], a.AccessEndpointConfig.InternetFallbackProtocols);

        var before = await w.JsonAsync(Demo);
        await Access(w, new());
        Assert.Equal(before, await w.JsonAsync(Demo));

        await Access(w, new() { DeviceTypeWeb = "ALLOW", AccessEndpointConfig = Endpoint("vpce-99998888") });
        a = (await w.DescribeAsync(Demo))!.WorkspaceAccessProperties!;
        Assert.Equal(
            new string?[] { "DENY", "DENY", "ALLOW", "DENY", "DENY", "DENY", "DENY", "DENY", "DENY" },
            Devices(a)
        );
        Assert.Equal("vpce-99998888", Assert.Single(a.AccessEndpointConfig!.AccessEndpoints!).VpcEndpointId);
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Settings_changed_while_registering_are_kept_once_registered(string engine)
    {
        using var w = new DirectoryWorld(engine);
        const string Id = "d-1000000001";
        await w.DsDirectoryAsync(Id);
        await w.RegisterAsync(Id);
        await Creation(w, new() { EnableInternetAccess = true }, Id);
        await SelfService(w, new() { RebuildWorkspace = "ENABLED" }, Id);
        await Access(w, new() { DeviceTypeLinux = "DENY" }, Id);
        Assert.Equal("REGISTERING", await w.StateAsync(Id));
        await w.AdvanceAsync(Transition);
        var d = (await w.DescribeAsync(Id))!;
        Assert.Equal("REGISTERED", d.State);
        Assert.True(d.WorkspaceCreationProperties!.EnableInternetAccess);
        Assert.Equal("ENABLED", d.SelfservicePermissions!.RebuildWorkspace);
        Assert.Equal("DENY", d.WorkspaceAccessProperties!.DeviceTypeLinux);
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task The_settings_of_a_directory_not_registered_here_are_not_found(string engine)
    {
        using var w = new DirectoryWorld(engine);
        await w.DsDirectoryAsync("d-1000000001");
        foreach (
            var (id, ctx) in new[]
            {
                ("d-1000000001", w.Caller()),
                (Demo, w.Caller(region: "eu-west-1")),
                (Demo, w.Caller(account: "111122223333")),
            }
        )
        {
            var calls = w.SettingsCalls(ctx, id);
            foreach (var call in calls)
            {
                var ex = await Refused(ErrorCodes.ResourceNotFound, call);
                Assert.Equal($"The directory {id} is not registered with WorkSpaces.", ex.Message);
                Assert.Equal(id, ex.ResourceId);
            }
        }
        Assert.Null(await w.DescribeAsync("d-1000000001"));
    }
}
