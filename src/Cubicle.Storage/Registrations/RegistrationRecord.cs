namespace Cubicle.Storage;

/// <summary>A WorkSpaces directory of an account and region; its API shape is kept as JSON.</summary>
public sealed class RegistrationRecord
{
    public long Seq { get; set; }
    public string AccountId { get; set; } = "";
    public string Region { get; set; } = "";
    public string DirectoryId { get; set; } = "";
    public string? DirectoryName { get; set; }

    /// <summary>The code users sign in with (kept in lower case: codes match whatever their case).</summary>
    public string? RegistrationCode { get; set; }

    /// <summary>The WorkspaceDirectory shape as JSON, returned as stored.</summary>
    public string Body { get; set; } = "";

    /// <summary>How many times the row was saved: a save checks it is still the row it read (see
    /// <see cref="StaleRowException"/>).</summary>
    public int Version { get; set; }
}
