namespace Cubicle.Storage;

/// <summary>
/// A Directory Service directory: a Simple AD that Cubicle runs itself (its users live in the database) or an AD
/// Connector to an LDAP directory the customer already has. Times are Unix milliseconds; lists are comma-separated.
/// </summary>
public sealed class DsDirectoryRecord
{
    public long Seq { get; set; }
    public string AccountId { get; set; } = "";
    public string Region { get; set; } = "";
    public string DirectoryId { get; set; } = "";

    /// <summary>SimpleAD or ADConnector.</summary>
    public string Type { get; set; } = "SimpleAD";

    /// <summary>The DNS name, e.g. corp.example.com.</summary>
    public string Name { get; set; } = "";
    public string? ShortName { get; set; }
    public string? Description { get; set; }

    /// <summary>Small or Large.</summary>
    public string Size { get; set; } = "Small";
    public string? Alias { get; set; }

    /// <summary>Requested, Creating, Active, Impaired, Failed, Deleting...</summary>
    public string Stage { get; set; } = "Requested";
    public string? StageReason { get; set; }
    public long LaunchTime { get; set; }
    public long StageChangedAt { get; set; }
    public string? VpcId { get; set; }
    public string? SubnetIds { get; set; }
    public string? SecurityGroupId { get; set; }

    /// <summary>The directory's DNS servers (Simple AD), or the connector's addresses (AD Connector).</summary>
    public string? DnsIps { get; set; }

    /// <summary>AD Connector: the customer's LDAP servers and the service account that reads them.</summary>
    public string? CustomerDnsIps { get; set; }
    public string? CustomerUserName { get; set; }

    /// <summary>AD Connector: the service account's password, sealed under the master key.</summary>
    public byte[]? SecretCiphertext { get; set; }

    /// <summary>Directory Service Data access: Disabled, Enabling, Enabled, Disabling, Failed.</summary>
    public string DataAccess { get; set; } = "Disabled";

    /// <summary>The domain's SID (S-1-5-21-x-y-z); users get it with a relative id of their own.</summary>
    public string SidPrefix { get; set; } = "";
    public long NextRid { get; set; } = 1104;

    /// <summary>How many times the row was saved: a save checks it is still the row it read (see
    /// <see cref="StaleRowException"/>).</summary>
    public int Version { get; set; }
}
