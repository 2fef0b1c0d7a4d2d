using System.Collections.Frozen;

namespace Cubicle.Domain;

/// <summary>
/// The regions a server serves unless --regions says otherwise: AWS's commercial partition ("aws"), as botocore's
/// endpoints.json lists it. A request signed for any other region is refused at authentication, so no client text
/// becomes a region of the audit trail (a folder, a file name, a digest chain).
/// </summary>
public static partial class AwsRegions
{
    /// <summary>The longest region name taken (AWS's longest today has 14 characters).</summary>
    public const int MaxRegionLength = 32;

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z]{2,8}(-[a-z]+)+-[0-9]{1,3}\\z")]
    private static partial System.Text.RegularExpressions.Regex RegionPattern();

    /// <summary>Whether the text has the shape of an AWS region name (us-east-1), within its length.</summary>
    public static bool IsRegionName(string region) =>
        region.Length <= MaxRegionLength && RegionPattern().IsMatch(region);

    public static readonly string[] Commercial =
    [
        "af-south-1",
        "ap-east-1",
        "ap-east-2",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-northeast-3",
        "ap-south-1",
        "ap-south-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-4",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "ca-central-1",
        "ca-west-1",
        "eu-central-1",
        "eu-central-2",
        "eu-north-1",
        "eu-south-1",
        "eu-south-2",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "il-central-1",
        "me-central-1",
        "me-south-1",
        "mx-central-1",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
    ];

    /// <summary>The regions of a ','-separated list (null or empty: <see cref="Commercial"/>), or null with what is
    /// wrong.</summary>
    public static IReadOnlySet<string>? Parse(string? list, out string? error)
    {
        var given = string.IsNullOrWhiteSpace(list)
            ? Commercial
            : list.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries);
        error =
            given.FirstOrDefault(r => !IsRegionName(r)) is { } bad
                ? $"--regions: '{bad}' is not a region name such as us-east-1."
            : given.Length == 0 ? "--regions names no region."
            : null;
        return error is null ? given.ToFrozenSet(StringComparer.Ordinal) : null;
    }
}
