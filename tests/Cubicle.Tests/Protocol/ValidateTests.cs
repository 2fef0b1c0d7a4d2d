using Cubicle.Domain;
using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;

namespace Cubicle.Tests.Protocol;

/// <summary>
/// The model's constraints as a client meets them: each one refuses with InvalidParameterValuesException (400), a
/// message that names the member by its path and says what is wrong, and accepts the values at its bounds.
/// </summary>
public sealed class ValidateTests
{
    private static string Refused(Action check)
    {
        var ex = Assert.Throws<ApiException>(check);
        Assert.Equal((ErrorCodes.InvalidParameterValues, 400), (ex.Code, ex.Status));
        return ex.Message;
    }

    private static string RefusedProperties(WorkspaceProperties p) =>
        Refused(() => WorkspaceRules.Properties(p, "Workspaces[1].WorkspaceProperties"));

    [SkippableFact]
    public void A_missing_member_is_named()
    {
        Validate.Required("", "Workspaces[0].BundleId");
        Assert.Equal(
            "The parameter Workspaces[0].BundleId is required but was not provided.",
            Refused(() => Validate.Required(null, "Workspaces[0].BundleId"))
        );
    }

    [SkippableFact]
    public void A_value_off_its_pattern_is_quoted_with_the_pattern()
    {
        Validate.Pattern(null, Validate.BundleIdPattern(), "BundleId");
        Validate.Pattern("wsb-abcdefgh", Validate.BundleIdPattern(), "BundleId");
        Assert.Equal(
            "Invalid value for Workspaces[2].BundleId: 'wsb-ABC' does not match the pattern ^wsb-[0-9a-z]{8,63}$.",
            Refused(() => Validate.Pattern("wsb-ABC", Validate.BundleIdPattern(), "Workspaces[2].BundleId"))
        );
        var quoted = Refused(() => Validate.Pattern(new string('x', 200), Validate.BundleIdPattern(), "BundleId"));
        Assert.StartsWith($"Invalid value for BundleId: '{new string('x', 77)}...' does not", quoted);
    }

    [SkippableTheory]
    [InlineData(9, "Invalid value for DirectoryId: its length must be between 10 and 65, but it is 9.")]
    [InlineData(10, null)]
    [InlineData(65, null)]
    [InlineData(66, "Invalid value for DirectoryId: its length must be between 10 and 65, but it is 66.")]
    public void A_length_is_checked_at_both_ends(int length, string? message)
    {
        var value = new string('a', length);
        if (message is null)
            Validate.Length(value, 10, 65, "DirectoryId");
        else
            Assert.Equal(message, Refused(() => Validate.Length(value, 10, 65, "DirectoryId")));
        Validate.Length(null, 10, 65, "DirectoryId");
    }

    [SkippableFact]
    public void A_length_without_a_maximum_names_only_its_minimum()
    {
        Validate.Length("x", 1, int.MaxValue, "ResourceId");
        Assert.Equal(
            "Invalid value for ResourceId: its length must be at least 1.",
            Refused(() => Validate.Length("", 1, int.MaxValue, "ResourceId"))
        );
    }

    [SkippableFact]
    public void A_user_name_is_1_to_63_characters_without_control_characters()
    {
        Validate.UserName(new string('u', 63), "UserName");
        Validate.UserName(null, "UserName");
        Assert.Contains(
            "UserName: its length must be between 1 and 63",
            Refused(() => Validate.UserName("", "UserName"))
        );
        Assert.Contains("but it is 64.", Refused(() => Validate.UserName(new string('u', 64), "UserName")));
        Assert.Equal(
            "Invalid value for Workspaces[0].UserName: a user name cannot hold control characters.",
            Refused(() => Validate.UserName("al\nice", "Workspaces[0].UserName"))
        );
    }

    [SkippableFact]
    public void A_list_s_size_and_items_are_checked()
    {
        Validate.Count(new List<string> { "a" }, 1, 25, "WorkspaceIds");
        Validate.Count(Enumerable.Repeat("a", 25).ToList(), 1, 25, "WorkspaceIds");
        Validate.Count<string>(null, 1, 25, "WorkspaceIds");
        Assert.Equal(
            "Invalid value for WorkspaceIds: it must hold between 1 and 25 items, but holds 26.",
            Refused(() => Validate.Count(Enumerable.Repeat("a", 26).ToList(), 1, 25, "WorkspaceIds"))
        );
        Assert.Equal(
            "Invalid value for WorkspaceIds: it must hold between 1 and 25 items, but holds 0.",
            Refused(() => Validate.Count(new List<string>(), 1, 25, "WorkspaceIds"))
        );
        Assert.Equal(
            "Invalid value for SubnetIds: it must hold exactly 2 item(s), but holds 1.",
            Refused(() => Validate.Count(new List<string> { "a" }, 2, 2, "SubnetIds"))
        );
        Assert.Equal(
            "Invalid value for WorkspaceIds[1]: null is not allowed in this list.",
            Refused(() => Validate.Count(new List<string?> { "a", null }, 1, 25, "WorkspaceIds"))
        );
    }

    [SkippableFact]
    public void A_number_is_checked_against_its_range()
    {
        Validate.Range(1, 1, 25, "Limit");
        Validate.Range(25, 1, 25, "Limit");
        Validate.Range(null, 1, 25, "Limit");
        Assert.Equal(
            "Invalid value for Limit: 26 is outside the valid range 1..25.",
            Refused(() => Validate.Range(26, 1, 25, "Limit"))
        );
        Assert.Equal(
            "Invalid value for Limit: 0 is outside the valid range 1..25.",
            Refused(() => Validate.Range(0, 1, 25, "Limit"))
        );
    }

    [SkippableFact]
    public void Each_item_of_a_list_is_named_by_its_index()
    {
        Validate.Each(null, Validate.WorkspaceIdPattern(), "WorkspaceIds");
        Validate.Each(["ws-abcdefgh1", "ws-abcdefgh2"], Validate.WorkspaceIdPattern(), "WorkspaceIds");
        Assert.Equal(
            "Invalid value for WorkspaceIds[1]: 'ws-bad' does not match the pattern ^ws-[0-9a-z]{8,63}$.",
            Refused(() => Validate.Each(["ws-abcdefgh1", "ws-bad"], Validate.WorkspaceIdPattern(), "WorkspaceIds"))
        );
    }

    [SkippableFact]
    public void An_enum_refusal_lists_the_values_it_accepts()
    {
        Validate.OneOf(null, WorkspaceRules.RunningModes, "RunningMode");
        Assert.Equal(
            "Invalid value for Workspaces[1].WorkspaceProperties.RunningMode: 'auto_stop' is not one of "
                + "AUTO_STOP, ALWAYS_ON, MANUAL.",
            RefusedProperties(new() { RunningMode = "auto_stop" })
        );
        Assert.Equal(
            "Invalid value for Workspaces[1].WorkspaceProperties.OperatingSystemName: 'DOS' is not one of "
                + "AMAZON_LINUX_2, UBUNTU_18_04, UBUNTU_20_04, UBUNTU_22_04, UNKNOWN, WINDOWS_10, WINDOWS_11, "
                + "WINDOWS_7, WINDOWS_SERVER_2016, WINDOWS_SERVER_2019, WINDOWS_SERVER_2022, WINDOWS_SERVER_2025, "
                + "RHEL_8, ROCKY_8.",
            RefusedProperties(new() { OperatingSystemName = "DOS" })
        );
        Assert.Contains(
            "WorkspaceProperties.ComputeTypeName: 'HUGE' is not one of VALUE, STANDARD,",
            RefusedProperties(new() { ComputeTypeName = "HUGE" })
        );
        Assert.Equal(
            "Invalid value for Workspaces[1].WorkspaceProperties.Protocols[1]: 'RDP' is not one of PCOIP, WSP.",
            RefusedProperties(new() { Protocols = ["WSP", "RDP"] })
        );
    }

    [SkippableTheory]
    [InlineData("NO_REPLICATION", "USER_IDENTITY_TYPE")]
    [InlineData("PRIMARY_AS_SOURCE", "WORKSPACE_TYPE")]
    public void Data_replication_and_directory_filters_take_the_model_s_values(string replication, string filter)
    {
        Validate.OneOf(replication, WorkspaceRules.DataReplications, "DataReplication");
        Validate.OneOf(filter, WorkspaceRules.DirectoryFilterNames, "Filters[0].Name");
        Assert.Equal(
            "Invalid value for DataReplication: 'SECONDARY' is not one of NO_REPLICATION, PRIMARY_AS_SOURCE.",
            Refused(() => Validate.OneOf("SECONDARY", WorkspaceRules.DataReplications, "DataReplication"))
        );
        Assert.Equal(
            "Invalid value for Filters[1].Name: 'TYPE' is not one of USER_IDENTITY_TYPE, WORKSPACE_TYPE.",
            Refused(() => Validate.OneOf("TYPE", WorkspaceRules.DirectoryFilterNames, "Filters[1].Name"))
        );
    }

    [SkippableTheory]
    [InlineData("AUTO_STOP", "AMAZON_LINUX_2", "PCOIP", "ENABLED_AUTO", "TCP")]
    [InlineData("ALWAYS_ON", "UBUNTU_18_04", "WSP", "DISABLED", "NONE")]
    [InlineData("MANUAL", "UBUNTU_20_04", "WSP", "INHERITED", "INHERITED")]
    [InlineData("MANUAL", "UBUNTU_22_04", "PCOIP", "INHERITED", null)]
    [InlineData("MANUAL", "UNKNOWN", "PCOIP", "INHERITED", null)]
    [InlineData("MANUAL", "WINDOWS_7", "PCOIP", "INHERITED", null)]
    [InlineData("MANUAL", "WINDOWS_SERVER_2025", "PCOIP", "INHERITED", null)]
    [InlineData("MANUAL", "ROCKY_8", "PCOIP", "INHERITED", null)]
    public void Every_value_of_the_model_s_enums_is_accepted(
        string mode,
        string os,
        string protocol,
        string aga,
        string? preferred
    ) =>
        WorkspaceRules.Properties(
            new()
            {
                RunningMode = mode,
                OperatingSystemName = os,
                Protocols = [protocol],
                ComputeTypeName = "GRAPHICS_GR6F_4XLARGE",
                GlobalAccelerator = new() { Mode = aga, PreferredProtocol = preferred },
            },
            "WorkspaceProperties"
        );

    [SkippableFact]
    public void A_global_accelerator_needs_a_known_mode_and_protocol()
    {
        Assert.Equal(
            "The parameter Workspaces[1].WorkspaceProperties.GlobalAccelerator.Mode is required but was not provided.",
            RefusedProperties(new() { GlobalAccelerator = new() { PreferredProtocol = "TCP" } })
        );
        Assert.Equal(
            "Invalid value for Workspaces[1].WorkspaceProperties.GlobalAccelerator.Mode: 'ENABLED' is not one of "
                + "ENABLED_AUTO, DISABLED, INHERITED.",
            RefusedProperties(new() { GlobalAccelerator = new() { Mode = "ENABLED" } })
        );
        Assert.Equal(
            "Invalid value for Workspaces[1].WorkspaceProperties.GlobalAccelerator.PreferredProtocol: 'UDP' is not "
                + "one of TCP, NONE, INHERITED.",
            RefusedProperties(
                new()
                {
                    GlobalAccelerator = new() { Mode = "DISABLED", PreferredProtocol = "UDP" },
                }
            )
        );
    }

    [SkippableTheory]
    [InlineData(-60, false)]
    [InlineData(0, false)]
    [InlineData(59, false)]
    [InlineData(60, true)]
    [InlineData(90, false)]
    [InlineData(120, true)]
    [InlineData(2880, true)]
    [InlineData(2940, false)]
    public void The_auto_stop_timeout_goes_in_hours_from_one_to_forty_eight(int minutes, bool ok)
    {
        var p = new WorkspaceProperties { RunningModeAutoStopTimeoutInMinutes = minutes };
        if (ok)
            WorkspaceRules.Properties(p, "WorkspaceProperties");
        else
            Assert.Equal(
                $"Invalid value for Workspaces[1].WorkspaceProperties.RunningModeAutoStopTimeoutInMinutes: {minutes} "
                    + "is not valid: the AutoStop timeout is set in 60-minute steps, from 60 to 2880 minutes.",
                RefusedProperties(p)
            );
    }

    [SkippableTheory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(1999, true)]
    [InlineData(2000, true)]
    [InlineData(2001, false)]
    public void Volume_sizes_go_from_1_to_2000_GiB(int gib, bool ok)
    {
        var root = new WorkspaceProperties { RootVolumeSizeGib = gib, UserVolumeSizeGib = 10 };
        var user = new WorkspaceProperties { RootVolumeSizeGib = 80, UserVolumeSizeGib = gib };
        if (ok)
        {
            WorkspaceRules.Properties(root, "WorkspaceProperties");
            WorkspaceRules.Properties(user, "WorkspaceProperties");
        }
        else
        {
            Assert.Equal(
                $"Invalid value for Workspaces[1].WorkspaceProperties.RootVolumeSizeGib: {gib} is outside the valid "
                    + "range 1..2000.",
                RefusedProperties(root)
            );
            Assert.Equal(
                $"Invalid value for Workspaces[1].WorkspaceProperties.UserVolumeSizeGib: {gib} is outside the valid "
                    + "range 1..2000.",
                RefusedProperties(user)
            );
        }
    }

    [SkippableFact]
    public void Each_tag_is_checked_and_named_by_its_index()
    {
        WorkspaceRules.Tags(null, "Tags");
        WorkspaceRules.Tags(
            [new() { Key = new string('k', 127), Value = new string('v', 255) }, new() { Key = "k" }],
            "Tags"
        );
        Assert.Equal(
            "Invalid value for Workspaces[0].Tags[1]: null is not allowed in this list.",
            Refused(() => WorkspaceRules.Tags([new() { Key = "a" }, null!], "Workspaces[0].Tags"))
        );
        Assert.Equal(
            "The parameter Tags[1].Key is required but was not provided.",
            Refused(() => WorkspaceRules.Tags([new() { Key = "a" }, new() { Value = "v" }], "Tags"))
        );
        Assert.Equal(
            "Invalid value for Tags[1].Key: its length must be between 1 and 127, but it is 0.",
            Refused(() => WorkspaceRules.Tags([new() { Key = "a" }, new() { Key = "" }], "Tags"))
        );
        Assert.Equal(
            "Invalid value for Tags[0].Key: its length must be between 1 and 127, but it is 128.",
            Refused(() => WorkspaceRules.Tags([new() { Key = new string('k', 128) }], "Tags"))
        );
        Assert.Equal(
            "Invalid value for Tags[1].Value: its length must be between 0 and 255, but it is 256.",
            Refused(() =>
                WorkspaceRules.Tags([new() { Key = "a" }, new() { Key = "b", Value = new string('v', 256) }], "Tags")
            )
        );
    }

    [SkippableTheory]
    [InlineData("aws:createdBy")]
    [InlineData("AWS:x")]
    [InlineData("Aws:")]
    public void Tag_keys_under_aws_are_reserved_in_any_case(string key)
    {
        WorkspaceRules.Tags([new() { Key = "awsome" }, new() { Key = "x:aws:y" }], "Tags");
        Assert.Equal(
            "Invalid value for Tags[1].Key: keys beginning with 'aws:' are reserved for AWS use.",
            Refused(() => WorkspaceRules.Tags([new() { Key = "ok" }, new() { Key = key, Value = "v" }], "Tags"))
        );
    }

    [SkippableFact]
    public void A_page_token_is_1_to_2048_characters()
    {
        Validate.PageToken(new string('t', 2048));
        Assert.Equal(
            "Invalid value for NextToken: its length must be between 1 and 2048, but it is 2049.",
            Refused(() => Validate.PageToken(new string('t', 2049)))
        );
        Assert.Contains("Invalid value for Marker:", Refused(() => Validate.PageToken("", "Marker")));
    }

    [SkippableFact]
    public async Task CreateWorkspaces_names_the_member_of_the_request_at_fault()
    {
        using var w = new TestWorld();
        WorkspaceRequest Item(string bundle) =>
            new()
            {
                DirectoryId = "d-926722edaf",
                UserName = "alice",
                BundleId = bundle,
            };
        var ex = await Assert.ThrowsAsync<ApiException>(() =>
            w.Workspaces.CreateAsync(
                w.Caller(),
                new() { Workspaces = [Item("wsb-al2std01"), Item("wsb-al2std01"), Item("wsb-bad")] }
            )
        );
        Assert.Equal(ErrorCodes.InvalidParameterValues, ex.Code);
        Assert.StartsWith("Invalid value for Workspaces[2].BundleId: 'wsb-bad' does not match", ex.Message);
    }
}
