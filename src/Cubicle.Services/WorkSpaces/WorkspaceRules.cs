using Cubicle.Domain;
using Cubicle.Protocol;

namespace Cubicle.Services.WorkSpaces;

/// <summary>The WorkSpaces model's rules for its own shapes (allowed values, volume sizes, tags), built on the one
/// validator: a violation is InvalidParameterValuesException naming the member.</summary>
public static class WorkspaceRules
{
    public static readonly string[] RunningModes = ["AUTO_STOP", "ALWAYS_ON", "MANUAL"];
    public static readonly string[] ComputeNames = ComputeTypes.Names;
    public static readonly string[] Protocols = ["PCOIP", "WSP"];
    public static readonly string[] OperatingSystemNames =
    [
        "AMAZON_LINUX_2",
        "UBUNTU_18_04",
        "UBUNTU_20_04",
        "UBUNTU_22_04",
        "UNKNOWN",
        "WINDOWS_10",
        "WINDOWS_11",
        "WINDOWS_7",
        "WINDOWS_SERVER_2016",
        "WINDOWS_SERVER_2019",
        "WINDOWS_SERVER_2022",
        "WINDOWS_SERVER_2025",
        "RHEL_8",
        "ROCKY_8",
    ];
    public static readonly string[] AgaModes = ["ENABLED_AUTO", "DISABLED", "INHERITED"];
    public static readonly string[] AgaProtocols = ["TCP", "NONE", "INHERITED"];
    public static readonly string[] DataReplications = ["NO_REPLICATION", "PRIMARY_AS_SOURCE"];
    public static readonly string[] DirectoryFilterNames = ["USER_IDENTITY_TYPE", "WORKSPACE_TYPE"];

    /// <summary>The WorkspaceId member of a single-workspace request: required, in the model's pattern.</summary>
    public static string WorkspaceId(string? id)
    {
        Validate.Required(id, "WorkspaceId");
        Validate.Pattern(id, Validate.WorkspaceIdPattern(), "WorkspaceId");
        return id!;
    }

    public static void Properties(WorkspaceProperties? p, string member)
    {
        if (p is null)
            return;
        Validate.OneOf(p.RunningMode, RunningModes, $"{member}.RunningMode");
        Validate.OneOf(p.ComputeTypeName, ComputeNames, $"{member}.ComputeTypeName");
        Validate.OneOf(p.OperatingSystemName, OperatingSystemNames, $"{member}.OperatingSystemName");
        if (p.Protocols is { } protocols)
            for (var i = 0; i < protocols.Count; i++)
                Validate.OneOf(protocols[i], Protocols, $"{member}.Protocols[{i}]");
        if (p.GlobalAccelerator is { } aga)
        {
            Validate.Required(aga.Mode, $"{member}.GlobalAccelerator.Mode");
            Validate.OneOf(aga.Mode, AgaModes, $"{member}.GlobalAccelerator.Mode");
            Validate.OneOf(aga.PreferredProtocol, AgaProtocols, $"{member}.GlobalAccelerator.PreferredProtocol");
        }
        if (p.RunningModeAutoStopTimeoutInMinutes is { } t && (t < 60 || t % 60 != 0 || t > 2880))
            throw Validate.Fail(
                $"{member}.RunningModeAutoStopTimeoutInMinutes",
                $"{t} is not valid: the AutoStop timeout is set in 60-minute steps, from 60 to 2880 minutes."
            );
        if (p.RootVolumeSizeGib is { } root && (root < 1 || root > 2000))
            throw Validate.Fail($"{member}.RootVolumeSizeGib", $"{root} is outside the valid range 1..2000.");
        if (p.UserVolumeSizeGib is { } user && (user < 1 || user > 2000))
            throw Validate.Fail($"{member}.UserVolumeSizeGib", $"{user} is outside the valid range 1..2000.");
    }

    /// <summary>
    /// A tag list: each key 1..127 characters and not under the reserved "aws:" prefix, each value at most 255.
    /// </summary>
    public static void Tags(List<Tag>? tags, string member)
    {
        if (tags is null)
            return;
        for (var i = 0; i < tags.Count; i++)
        {
            var tag = tags[i] ?? throw Validate.Fail($"{member}[{i}]", "null is not allowed in this list.");
            Validate.Required(tag.Key, $"{member}[{i}].Key");
            Validate.Length(tag.Key, 1, 127, $"{member}[{i}].Key");
            Validate.Length(tag.Value, 0, 255, $"{member}[{i}].Value");
            if (tag.Key!.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
                throw Validate.Fail($"{member}[{i}].Key", "keys beginning with 'aws:' are reserved for AWS use.");
        }
    }
}
