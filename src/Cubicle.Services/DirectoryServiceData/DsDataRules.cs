using System.Text.RegularExpressions;
using Cubicle.Protocol;

namespace Cubicle.Services.DirectoryServiceData;

/// <summary>Directory Service Data's rules for its members (the model's patterns and lengths), built on the one
/// validator.</summary>
internal static partial class DsDataRules
{
    [GeneratedRegex("^d-[0-9a-f]{10}\\z")]
    private static partial Regex DirectoryIdPattern();

    [GeneratedRegex("^[\\w\\-.]+\\z")]
    private static partial Regex UserNamePattern();

    [GeneratedRegex("^[A-Za-z*][A-Za-z-*]*\\z")]
    private static partial Regex AttributeNamePattern();

    [GeneratedRegex("^([a-zA-Z0-9]+[\\\\.-])+([a-zA-Z0-9])+[.]?\\z")]
    public static partial Regex RealmPattern();

    [GeneratedRegex("^[\\x00-\\x7F]+\\z")]
    private static partial Regex ClientTokenPattern();

    public static string Directory(string? id)
    {
        Validate.Required(id, "DirectoryId");
        Validate.Pattern(id, DirectoryIdPattern(), "DirectoryId");
        return id!;
    }

    public static string UserName(string? name)
    {
        Validate.Required(name, "SAMAccountName");
        Validate.Length(name, 1, 20, "SAMAccountName");
        Validate.Pattern(name, UserNamePattern(), "SAMAccountName");
        return name!;
    }

    public static (string, string) User(UserRequest req)
    {
        Token(req.ClientToken);
        return (Directory(req.DirectoryId), UserName(req.SAMAccountName));
    }

    public static void Token(string? token)
    {
        Validate.Length(token, 1, 128, "ClientToken");
        Validate.Pattern(token, ClientTokenPattern(), "ClientToken");
    }

    public static void Person(
        string? givenName,
        string? surname,
        string? email,
        Dictionary<string, AttributeValue>? other
    )
    {
        Validate.Length(givenName, 1, 64, "GivenName");
        Validate.Length(surname, 1, 64, "Surname");
        Validate.Length(email, 1, 256, "EmailAddress");
        if (other is null)
            return;
        if (other.Count is < 1 or > 25)
            throw Validate.Fail("OtherAttributes", "it must hold between 1 and 25 attributes.");
        foreach (var (key, value) in other)
        {
            Validate.Length(key, 1, 63, "OtherAttributes");
            Validate.Pattern(key, AttributeNamePattern(), "OtherAttributes");
            if (
                value is null
                || new object?[] { value.S, value.N, value.SS, value.BOOL }.Count(x => x is not null) != 1
            )
                throw Validate.Fail($"OtherAttributes.{key}", "give exactly one of S, N, SS and BOOL.");
            Validate.Length(value.S, 1, 1024, $"OtherAttributes.{key}.S");
            Validate.Count(value.SS, 0, 25, $"OtherAttributes.{key}.SS");
        }
    }

    public static void Names(List<string>? names, string member)
    {
        Validate.Count(names, 1, 25, member);
        for (var i = 0; i < (names?.Count ?? 0); i++)
        {
            Validate.Length(names![i], 1, 63, $"{member}[{i}]");
            Validate.Pattern(names[i], AttributeNamePattern(), $"{member}[{i}]");
        }
    }
}
