namespace Cubicle.Identity;

/// <summary>How AD Connector directories reach the customer's LDAP servers (their CustomerDnsIps).</summary>
public sealed class LdapOptions
{
    /// <summary>The servers' port: 389, or 636 with LDAPS.</summary>
    public int Port { get; set; } = 389;

    /// <summary>
    /// none, starttls or ldaps. Certificates are checked against the system's CAs, or those of
    /// <see cref="CaDirectory"/>.
    /// </summary>
    public string Security { get; set; } = "none";

    /// <summary>A folder of CA certificates (PEM) that alone are trusted for TLS (--ldap-ca-file, copied there at
    /// start); null: the system's.</summary>
    public string? CaDirectory { get; set; }

    /// <summary>Whether ConnectDirectory may name loopback, link-local or this host's own addresses (a directory on
    /// this host, as in tests); otherwise they are refused.</summary>
    public bool AllowLoopback { get; set; }

    /// <summary>How the service account (CustomerUserName) binds: {user}, {domain} (the directory's DNS name) and
    /// {base} (its DC= components). "{user}@{domain}" is Active Directory's form; "cn={user},{base}" suits
    /// OpenLDAP.</summary>
    public string BindFormat { get; set; } = "{user}@{domain}";

    /// <summary>
    /// The attributes a user name is looked up by: sAMAccountName (Active Directory), uid (OpenLDAP).
    /// </summary>
    public string[] UserAttributes { get; set; } = ["sAMAccountName", "uid"];
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often an AD Connector's servers are checked (Active while they answer, Impaired while not).
    /// </summary>
    public TimeSpan HealthInterval { get; set; } = TimeSpan.FromSeconds(15);
}
