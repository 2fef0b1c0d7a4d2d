using System.Text.RegularExpressions;

namespace Cubicle.Protocol;

/// <summary>
/// The one validator: every model constraint (required, pattern, length, list bounds, range, enum)
/// fails with InvalidParameterValuesException whose message names the member by its path,
/// e.g. "Workspaces[2].BundleId".
/// </summary>
public static partial class Validate
{
    [GeneratedRegex("^ws-[0-9a-z]{8,63}\\z")]
    public static partial Regex WorkspaceIdPattern();

    [GeneratedRegex("^wsb-[0-9a-z]{8,63}\\z")]
    public static partial Regex BundleIdPattern();

    // The seed's pattern, widened as today's model does (wsd- ids, length 10..65).
    [GeneratedRegex("^(d-[0-9a-f]{8,63}\\z)|(wsd-[0-9a-z]{8,63}\\z)")]
    public static partial Regex DirectoryIdPattern();

    [GeneratedRegex("^(subnet-([0-9a-f]{8}|[0-9a-f]{17}))\\z")]
    public static partial Regex SubnetIdPattern();

    [GeneratedRegex("^(sg-([0-9a-f]{8}|[0-9a-f]{17}))\\z")]
    public static partial Regex SecurityGroupIdPattern();

    [GeneratedRegex("^[a-zA-Z0-9_()][a-zA-Z0-9_.()-]{1,63}\\z")]
    public static partial Regex WorkspaceNamePattern();

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.\\s-]{1,64}\\z")]
    public static partial Regex WorkspaceDirectoryNamePattern();

    [GeneratedRegex(
        "^(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}|[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4}){0,6}::[0-9a-fA-F]{1,4}\\z"
    )]
    public static partial Regex Ipv6Pattern();

    [GeneratedRegex(
        "^arn:aws[a-z-]{0,7}:[A-Za-z0-9][A-za-z0-9_/.-]{0,62}:[A-za-z0-9_/.-]{0,63}:[A-za-z0-9_/.-]{0,63}:"
            + "[A-Za-z0-9][A-Za-z0-9:_/+=,@.\\\\-]{0,1023}\\z"
    )]
    public static partial Regex ArnPattern();

    [GeneratedRegex("^[0-9a-zA-Z\\*\\.\\\\/\\?-_]{0,64}\\z")]
    public static partial Regex DirectoryFilterValuePattern();

    public static ApiException Fail(string member, string problem) =>
        ApiException.InvalidParameter($"Invalid value for {member}: {problem}");

    public static void Required(object? value, string member)
    {
        if (value is null)
            throw ApiException.InvalidParameter($"The parameter {member} is required but was not provided.");
    }

    public static void Pattern(string? value, Regex regex, string member)
    {
        if (value is not null && !regex.IsMatch(value))
            throw Fail(
                member,
                $"'{Shorten(value)}' does not match the pattern {regex.ToString().Replace("\\z", "$")}."
            );
    }

    public static void Length(string? value, int min, int max, string member)
    {
        if (value is null)
            return;
        if (value.Length < min || value.Length > max)
            throw Fail(
                member,
                max == int.MaxValue
                    ? $"its length must be at least {min}."
                    : $"its length must be between {min} and {max}, but it is {value.Length}."
            );
    }

    /// <summary>A directory user's name: 1 to 63 characters, none of them a control character (the name becomes an
    /// LDAP filter, a Linux account's name and a sandbox's environment).</summary>
    public static void UserName(string? value, string member)
    {
        Length(value, 1, 63, member);
        if (value is not null && value.Any(char.IsControl))
            throw Fail(member, "a user name cannot hold control characters.");
    }

    public static void Count<T>(List<T>? list, int min, int max, string member)
    {
        if (list is null)
            return;
        if (list.Count < min || list.Count > max)
            throw Fail(
                member,
                min == max
                    ? $"it must hold exactly {min} item(s), but holds {list.Count}."
                    : $"it must hold between {min} and {max} items, but holds {list.Count}."
            );
        for (var i = 0; i < list.Count; i++)
            if (list[i] is null)
                throw Fail($"{member}[{i}]", "null is not allowed in this list.");
    }

    public static void Range(int? value, int min, int max, string member)
    {
        if (value is { } v && (v < min || v > max))
            throw Fail(member, $"{v} is outside the valid range {min}..{max}.");
    }

    public static void OneOf(string? value, string[] allowed, string member)
    {
        if (value is not null && Array.IndexOf(allowed, value) < 0)
            throw Fail(member, $"'{Shorten(value)}' is not one of {string.Join(", ", allowed)}.");
    }

    public static void Each(List<string>? values, Regex regex, string member)
    {
        if (values is null)
            return;
        for (var i = 0; i < values.Count; i++)
            Pattern(values[i], regex, $"{member}[{i}]");
    }

    public static void PageToken(string? token, string member = "NextToken") => Length(token, 1, 2048, member);

    private static string Shorten(string value) => ApiException.Clip(value, 80);
}
