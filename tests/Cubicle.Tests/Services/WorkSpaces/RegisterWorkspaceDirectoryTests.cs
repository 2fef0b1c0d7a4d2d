using System.Text.RegularExpressions;
using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using static Cubicle.Tests.DirectoryWorld;

namespace Cubicle.Tests;

/// <summary>
/// RegisterWorkspaceDirectory as a client sees it: an Active Directory Service directory becomes a WorkSpaces
/// directory, REGISTERING and then REGISTERED, with the defaults WorkSpaces gives a new registration or what the
/// request asks for, a registration code of its own, and its subnets ready for workspaces.
/// </summary>
public sealed partial class RegisterWorkspaceDirectoryTests
{
    private const string Id = "d-1000000001";

    [GeneratedRegex("^SLiad\\+[A-HJ-NP-Z2-9]{8}\\z")]
    private static partial Regex RegistrationCode();

    [GeneratedRegex("^sg-[0-9a-f]{8}\\z")]
    private static partial Regex SecurityGroupId();

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_new_registration_has_the_defaults_of_WorkSpaces(string engine)
    {
        using var w = new DirectoryWorld(engine);
        await w.DsDirectoryAsync(Id, subnets: "subnet-1a2b3c4d,subnet-5e6f7a8b", dnsIps: "10.26.0.10,10.94.0.10");
        var r = await w.RegisterAsync(Id);
        Assert.Equal((Id, "REGISTERING"), (r.DirectoryId, r.State));

        var d = (await w.DescribeAsync(Id))!;
        Assert.Equal(Id, d.DirectoryId);
        Assert.Equal("branch", d.Alias);
        Assert.Equal("branch.example.org", d.DirectoryName);
        Assert.Matches(RegistrationCode(), d.RegistrationCode);
        Assert.Equal(["subnet-1a2b3c4d", "subnet-5e6f7a8b"], d.SubnetIds);
        Assert.Equal(["10.26.0.10", "10.94.0.10"], d.DnsIpAddresses);
        Assert.Equal("Administrator", d.CustomerUserName);
        Assert.Equal($"arn:aws:iam::{Account}:role/workspaces_DefaultRole", d.IamRoleId);
        Assert.Equal("SIMPLE_AD", d.DirectoryType);
        Assert.Matches(SecurityGroupId(), d.WorkspaceSecurityGroupId);
        Assert.Equal("REGISTERING", d.State);
        Assert.Equal("SHARED", d.Tenancy);
        Assert.Equal("PERSONAL", d.WorkspaceType);
        Assert.Equal("AWS_DIRECTORY_SERVICE", d.UserIdentityType);
        Assert.Null(d.WorkspaceDirectoryName);
        Assert.Null(d.WorkspaceDirectoryDescription);
        Assert.Null(d.ErrorMessage);

        var c = d.WorkspaceCreationProperties!;
        Assert.Equal(
            (false, false, true, true),
            (c.EnableWorkDocs, c.EnableInternetAccess, c.UserEnabledAsLocalAdministrator, c.EnableMaintenanceMode)
        );
        Assert.Equal("OU=Computers,DC=branch,DC=example,DC=org", c.DefaultOu);
        Assert.Null(c.CustomSecurityGroupId);
        Assert.Null(c.InstanceIamRoleArn);

        var s = d.SelfservicePermissions!;
        Assert.Equal(
            new string?[] { "ENABLED", "DISABLED", "DISABLED", "DISABLED", "DISABLED" },
            new[]
            {
                s.RestartWorkspace,
                s.IncreaseVolumeSize,
                s.ChangeComputeType,
                s.SwitchRunningMode,
                s.RebuildWorkspace,
            }
        );
        var a = d.WorkspaceAccessProperties!;
        Assert.All(
            new[]
            {
                a.DeviceTypeWindows,
                a.DeviceTypeOsx,
                a.DeviceTypeWeb,
                a.DeviceTypeIos,
                a.DeviceTypeAndroid,
                a.DeviceTypeChromeOs,
                a.DeviceTypeZeroClient,
                a.DeviceTypeLinux,
                a.DeviceTypeWorkSpacesThinClient,
            },
            v => Assert.Equal("ALLOW", v)
        );
        Assert.Null(a.AccessEndpointConfig);
        Assert.Equal("", await w.TagsAsync(Id));

        // Registered when the transition is due, with nothing else changed.
        var before = await w.JsonAsync(Id);
        await w.AdvanceAsync(Transition);
        Assert.Equal(before.Replace("\"REGISTERING\"", "\"REGISTERED\""), await w.JsonAsync(Id));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_registration_takes_what_the_request_asks_for(string engine)
    {
        using var w = new DirectoryWorld(engine);
        await w.DsDirectoryAsync(Id, subnets: "subnet-1a2b3c4d,subnet-5e6f7a8b");
        await w.RegisterAsync(
            Id,
            r =>
            {
                r.SubnetIds = ["subnet-0f0e0d0c"];
                r.EnableSelfService = true;
                r.EnableWorkDocs = true;
                r.Tenancy = "SHARED";
                r.WorkspaceDirectoryName = "Branch office";
                r.WorkspaceDirectoryDescription = "The desks of the branch";
                r.UserIdentityType = "AWS_DIRECTORY_SERVICE";
                r.WorkspaceType = "PERSONAL";
                r.Tags = [new() { Key = "site", Value = "branch" }, new() { Key = "tier", Value = "2" }];
            }
        );
        var d = (await w.DescribeAsync(Id))!;
        Assert.Equal(["subnet-0f0e0d0c"], d.SubnetIds);
        Assert.Equal("Branch office", d.WorkspaceDirectoryName);
        Assert.Equal("The desks of the branch", d.WorkspaceDirectoryDescription);
        Assert.Equal("SHARED", d.Tenancy);
        Assert.True(d.WorkspaceCreationProperties!.EnableWorkDocs);
        Assert.False(d.WorkspaceCreationProperties.EnableInternetAccess);
        var s = d.SelfservicePermissions!;
        Assert.All(
            new[]
            {
                s.RestartWorkspace,
                s.IncreaseVolumeSize,
                s.ChangeComputeType,
                s.SwitchRunningMode,
                s.RebuildWorkspace,
            },
            v => Assert.Equal("ENABLED", v)
        );
        Assert.Equal("site=branch,tier=2", await w.TagsAsync(Id));

        // EnableWorkDocs false, and self-service refused, are what they say too.
        await w.DsDirectoryAsync("d-2000000002");
        await w.RegisterAsync(
            "d-2000000002",
            r =>
            {
                r.EnableWorkDocs = false;
                r.EnableSelfService = false;
                r.Tags = [];
            }
        );
        var other = (await w.DescribeAsync("d-2000000002"))!;
        Assert.False(other.WorkspaceCreationProperties!.EnableWorkDocs);
        Assert.Equal("DISABLED", other.SelfservicePermissions!.RebuildWorkspace);
        Assert.Equal("", await w.TagsAsync("d-2000000002"));
    }

    [SkippableFact]
    public async Task An_AD_Connector_is_registered_with_its_service_account()
    {
        using var w = new DirectoryWorld();
        await w.DsDirectoryAsync(Id, type: "ADConnector", alias: null, customerUserName: "svc-ldap");
        await w.RegisterAsync(Id);
        var d = (await w.DescribeAsync(Id))!;
        Assert.Equal("AD_CONNECTOR", d.DirectoryType);
        Assert.Equal("svc-ldap", d.CustomerUserName);
        // Without an alias, the directory is known by its id.
        Assert.Equal(Id, d.Alias);
    }

    [SkippableFact]
    public async Task Without_subnets_of_its_own_the_registration_takes_the_directorys()
    {
        using var w = new DirectoryWorld();
        await w.DsDirectoryAsync(Id, subnets: "subnet-1a2b3c4d,subnet-5e6f7a8b");
        await w.RegisterAsync(Id, r => r.SubnetIds = []);
        Assert.Equal(["subnet-1a2b3c4d", "subnet-5e6f7a8b"], (await w.DescribeAsync(Id))!.SubnetIds);

        // A directory without subnets or DNS servers registers with none.
        await w.DsDirectoryAsync("d-2000000002", subnets: null, dnsIps: null);
        await w.RegisterAsync("d-2000000002");
        var bare = (await w.DescribeAsync("d-2000000002"))!;
        Assert.Empty(bare.SubnetIds!);
        Assert.Null(bare.DnsIpAddresses);
    }

    [SkippableFact]
    public async Task Every_registration_gets_a_registration_code_of_its_own()
    {
        using var w = new DirectoryWorld();
        var codes = new HashSet<string>();
        for (var i = 1; i <= 5; i++)
        {
            var id = $"d-{i}00000000{i}";
            await w.DsDirectoryAsync(id);
            await w.RegisterAsync(id);
            var code = (await w.DescribeAsync(id))!.RegistrationCode!;
            Assert.Matches(RegistrationCode(), code);
            Assert.True(codes.Add(code), code);
        }
        // The code is found again as users type it, in any case.
        var found = await w.W.Db.ReadAsync(u => u.Registrations.FindByRegistrationCodeAsync(codes.First().ToLower()));
        Assert.Single(found);
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_registered_directory_takes_workspaces_in_its_subnets_once_REGISTERED(string engine)
    {
        using var w = new DirectoryWorld(engine);
        await w.DsDirectoryAsync(Id, subnets: "subnet-3c4d5e6f", users: ["zoe", "yann"]);
        await w.RegisterAsync(Id);
        Assert.Equal((null, ErrorCodes.ItemDirectoryState), Drop(await w.CreateWorkspaceAsync(Id, "zoe")));
        await w.AdvanceAsync(Transition);
        var (id, error, ws) = await w.CreateWorkspaceAsync(Id, "zoe");
        Assert.Null(error);
        Assert.NotNull(id);
        Assert.Equal("subnet-3c4d5e6f", ws!.SubnetId);
        Assert.StartsWith("10.60.", ws.IpAddress);
        Assert.Equal(ErrorCodes.ItemUserNotFound, (await w.CreateWorkspaceAsync(Id, "nobody")).Error);
    }

    [SkippableFact]
    public async Task Two_subnets_of_a_registration_get_address_ranges_of_their_own()
    {
        using var w = new DirectoryWorld();
        await w.DsDirectoryAsync(Id);
        await w.RegisterAsync(Id, r => r.SubnetIds = ["subnet-2a000001", "subnet-2a000002"]);
        var ranges = await w.W.Db.ReadAsync(async u =>
            (
                await u.Registrations.GetSubnetAsync(Account, "subnet-2a000001"),
                await u.Registrations.GetSubnetAsync(Account, "subnet-2a000002")
            )
        );
        Assert.Equal((10L << 24 | 42L << 16, 16), (ranges.Item1!.Base, ranges.Item1.Prefix));
        Assert.Equal((10L << 24 | 43L << 16, 16), (ranges.Item2!.Base, ranges.Item2.Prefix));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Addresses_are_handed_out_in_turn_across_registrations(string engine)
    {
        using var w = new DirectoryWorld(engine);
        await w.DsDirectoryAsync(Id, subnets: "subnet-3c4d5e6f", users: ["zoe", "yann"]);
        await w.RegisterAsync(Id);
        await w.AdvanceAsync(Transition);
        var first = await w.CreateWorkspaceAsync(Id, "zoe");
        Assert.Equal("10.60.0.4", first.Workspace!.IpAddress);
        await w.AdvanceAsync(Transition);
        await w.TerminateAsync(first.Id!);
        await w.AdvanceAsync(Transition);
        await w.DeregisterAsync(Id);
        await w.AdvanceAsync(Transition);
        Assert.Null(await w.DescribeAsync(Id));

        // Registered again in the same subnet: the terminated workspace's address is not the next one given.
        await w.RegisterAsync(Id);
        await w.AdvanceAsync(Transition);
        Assert.Equal("10.60.0.5", (await w.CreateWorkspaceAsync(Id, "yann")).Workspace!.IpAddress);
    }

    private static (string?, string?) Drop((string? Id, string? Error, Workspace? _) r) => (r.Id, r.Error);
}
