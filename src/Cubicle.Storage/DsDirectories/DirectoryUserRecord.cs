namespace Cubicle.Storage;

/// <summary>A user of a Simple AD directory. Only a salted hash of the password is kept.</summary>
public sealed class DirectoryUserRecord
{
    public long DirectorySeq { get; set; }

    /// <summary>The sAMAccountName (case-insensitive).</summary>
    public string UserName { get; set; } = "";

    /// <summary>The relative id: the last part of its SID, and the order users are listed in.</summary>
    public long Rid { get; set; }
    public string Sid { get; set; } = "";
    public string? GivenName { get; set; }
    public string? Surname { get; set; }
    public string? Email { get; set; }

    /// <summary>A user is enabled once it has a password, and may be disabled again.</summary>
    public bool Enabled { get; set; }

    /// <summary>Other LDAP attributes, as the ds-data Attributes map (JSON).</summary>
    public string? OtherAttributes { get; set; }
    public string? PasswordHash { get; set; }
    public long CreatedAt { get; set; }
    public long UpdatedAt { get; set; }

    /// <summary>How many times the row was saved: a save checks it is still the row it read (see
    /// <see cref="StaleRowException"/>).</summary>
    public int Version { get; set; }
}
