namespace Cubicle.Storage;

/// <summary>A tag of a resource: its key and value (an empty value when none was given).</summary>
public sealed record TagRecord(string Key, string Value);
