using System.Text.Json;
using Cubicle.Identity;
using Cubicle.Storage;

namespace Cubicle.Services.DirectoryServiceData;

/// <summary>A Simple AD user as Directory Service Data shows it: the description, an attribute's values by its LDAP
/// name, and the other attributes as stored.</summary>
internal static class DsDataUserShape
{
    public static DescribeUserResult Describe(DsDirectoryRecord d, DirectoryUserRecord r, List<string>? wanted)
    {
        var all = Parse(r.OtherAttributes);
        var other = wanted is null
            ? null
            : all.Where(a => wanted.Contains(a.Key, StringComparer.OrdinalIgnoreCase))
                .ToDictionary(a => a.Key, a => a.Value);
        return new DescribeUserResult
        {
            DirectoryId = d.DirectoryId,
            SAMAccountName = r.UserName,
            SID = r.Sid,
            Enabled = r.Enabled,
            GivenName = r.GivenName,
            Surname = r.Surname,
            EmailAddress = r.Email,
            Realm = d.Name,
            UserPrincipalName = $"{r.UserName}@{d.Name}",
            DistinguishedName = $"CN={r.UserName},CN=Users,{LdapConnector.SearchBase(d.Name)}",
            OtherAttributes = other is { Count: > 0 } ? other : null,
        };
    }

    /// <summary>A user's values of an attribute, by its LDAP name.</summary>
    public static IEnumerable<string> Values(DirectoryUserRecord r, string attribute)
    {
        switch (attribute.ToLowerInvariant())
        {
            case "samaccountname":
                yield return r.UserName;
                break;
            case "givenname":
                if (r.GivenName is not null)
                    yield return r.GivenName;
                break;
            case "sn" or "surname":
                if (r.Surname is not null)
                    yield return r.Surname;
                break;
            case "mail" or "emailaddress":
                if (r.Email is not null)
                    yield return r.Email;
                break;
            default:
                if (
                    Parse(r.OtherAttributes)
                        .FirstOrDefault(a => string.Equals(a.Key, attribute, StringComparison.OrdinalIgnoreCase))
                        .Value is
                    { } v
                )
                {
                    if (v.S is not null)
                        yield return v.S;
                    if (v.N is not null)
                        yield return v.N.Value.ToString();
                    foreach (var s in v.SS ?? [])
                        yield return s;
                }
                break;
        }
    }

    public static Dictionary<string, AttributeValue> Parse(string? json) =>
        json is null
            ? []
            : JsonSerializer.Deserialize(json, DsDataJsonContext.Default.DictionaryStringAttributeValue) ?? [];

    public static string? Attributes(Dictionary<string, AttributeValue>? attributes) =>
        attributes is not { Count: > 0 }
            ? null
            : JsonSerializer.Serialize(attributes, DsDataJsonContext.Default.DictionaryStringAttributeValue);
}
