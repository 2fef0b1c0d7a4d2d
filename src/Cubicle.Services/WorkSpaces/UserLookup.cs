namespace Cubicle.Services.WorkSpaces;

/// <summary>What an AD Connector's directory said of a user before a creation: whether the user is there, or why
/// the directory could not be asked.</summary>
internal sealed record UserLookup(bool Exists, string? Unreachable);
