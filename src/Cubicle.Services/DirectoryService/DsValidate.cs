using System.Text.RegularExpressions;
using Cubicle.Protocol;

namespace Cubicle.Services.DirectoryService;

/// <summary>The Directory Service model's constraints, checked with the one validator.</summary>
public static partial class DsValidate
{
    [GeneratedRegex("^d-[0-9a-f]{10}\\z")]
    public static partial Regex DirectoryIdPattern();

    [GeneratedRegex("^([a-zA-Z0-9]+[\\.-])+([a-zA-Z0-9])+\\z")]
    public static partial Regex NamePattern();

    [GeneratedRegex("^[^\\\\/:*?\"<>|.]+[^\\\\/:*?\"<>|]*\\z")]
    public static partial Regex ShortNamePattern();

    [GeneratedRegex("^([a-zA-Z0-9_])[\\\\a-zA-Z0-9_@#%*+=:?./!\\s-]*\\z")]
    public static partial Regex DescriptionPattern();

    [GeneratedRegex("^(vpc-[0-9a-f]{8}|vpc-[0-9a-f]{17})\\z")]
    public static partial Regex VpcIdPattern();

    [GeneratedRegex("^(subnet-[0-9a-f]{8}|subnet-[0-9a-f]{17})\\z")]
    public static partial Regex SubnetIdPattern();

    [GeneratedRegex("^[a-zA-Z0-9._-]+\\z")]
    public static partial Regex CustomerUserNamePattern();

    [GeneratedRegex("^(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\\z")]
    public static partial Regex IpPattern();

    [GeneratedRegex("^(?!.*\\\\|.*\"|.*\\/|.*\\[|.*\\]|.*:|.*;|.*\\||.*=|.*,|.*\\+|.*\\*|.*\\?|.*<|.*>|.*@).*\\z")]
    public static partial Regex ResetUserNamePattern();

    [GeneratedRegex("^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)\\z")]
    public static partial Regex TagPattern();

    public static readonly string[] Sizes = ["Small", "Large"];

    public static string DirectoryId(string? id, string member = "DirectoryId")
    {
        Validate.Required(id, member);
        Validate.Pattern(id, DirectoryIdPattern(), member);
        return id!;
    }

    public static void Directory(string? name, string? shortName, string? description, string? size, List<DsTag>? tags)
    {
        Validate.Required(name, "Name");
        Validate.Pattern(name, NamePattern(), "Name");
        Validate.Pattern(shortName, ShortNamePattern(), "ShortName");
        Validate.Length(description, 0, 128, "Description");
        Validate.Pattern(description, DescriptionPattern(), "Description");
        Validate.Required(size, "Size");
        Validate.OneOf(size, Sizes, "Size");
        Validate.Count(tags, 0, 50, "Tags");
        for (var i = 0; i < (tags?.Count ?? 0); i++)
        {
            Validate.Required(tags![i].Key, $"Tags[{i}].Key");
            Validate.Length(tags[i].Key, 1, 128, $"Tags[{i}].Key");
            Validate.Pattern(tags[i].Key, TagPattern(), $"Tags[{i}].Key");
            Validate.Required(tags[i].Value, $"Tags[{i}].Value");
            Validate.Length(tags[i].Value, 0, 256, $"Tags[{i}].Value");
            Validate.Pattern(tags[i].Value, TagPattern(), $"Tags[{i}].Value");
        }
    }

    /// <summary>A VPC and two distinct subnets (in two availability zones, as AWS requires).</summary>
    public static void Vpc(string? vpcId, List<string>? subnetIds, string member)
    {
        Validate.Required(vpcId, $"{member}.VpcId");
        Validate.Pattern(vpcId, VpcIdPattern(), $"{member}.VpcId");
        Validate.Required(subnetIds, $"{member}.SubnetIds");
        Validate.Count(subnetIds, 2, 2, $"{member}.SubnetIds");
        Validate.Each(subnetIds, SubnetIdPattern(), $"{member}.SubnetIds");
        if (subnetIds![0] == subnetIds[1])
            throw Validate.Fail(
                $"{member}.SubnetIds",
                "the two subnets must differ (one in each of two availability zones)."
            );
    }
}
