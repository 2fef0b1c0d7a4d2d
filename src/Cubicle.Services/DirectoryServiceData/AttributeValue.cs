namespace Cubicle.Services.DirectoryServiceData;

/// <summary>An LDAP attribute's value: one of a string, a number, a set of strings, a boolean.</summary>
public sealed class AttributeValue
{
    public string? S { get; set; }
    public long? N { get; set; }
    public List<string>? SS { get; set; }
    public bool? BOOL { get; set; }
}
