namespace Cubicle.Storage;

/// <summary>
/// A signed-in browser session (a desktop user's, or an operator's in the console). Only a hash of the session id
/// is stored: the id itself lives in the browser's cookie, so the database never holds a usable credential.
/// </summary>
public sealed class SessionRecord
{
    /// <summary>SHA-256 (hex) of the session id.</summary>
    public string IdHash { get; set; } = "";

    /// <summary><see cref="SessionKinds"/>.</summary>
    public string Kind { get; set; } = "";
    public string AccountId { get; set; } = "";
    public string Region { get; set; } = "";

    /// <summary>What the session opens: the workspace id (desktop) or the access key id (console).</summary>
    public string Subject { get; set; } = "";
    public string? DirectoryId { get; set; }
    public string? UserName { get; set; }
    public long CreatedAt { get; set; }
    public long ExpiresAt { get; set; }
}
