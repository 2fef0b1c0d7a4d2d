using System.DirectoryServices.Protocols;
using System.Net;
using System.Text;
using Cubicle.Accounts;
using Cubicle.Storage;

namespace Cubicle.Identity;

/// <summary>
/// An AD Connector's view of the customer's directory, over LDAP (System.DirectoryServices.Protocols): the service
/// account binds and looks users up under the search base derived from the directory's DNS name (corp.example.com:
/// DC=corp,DC=example,DC=com); a user signs in by binding as themselves. The service account's password is kept
/// sealed under the master key and opened only for a bind.
/// </summary>
public sealed class LdapConnector(LdapOptions options, MasterKey master)
{
    public const string SecretPurpose = "ad-connector-service-account";

    /// <summary>How long one LDAP operation may take.</summary>
    public TimeSpan Timeout => options.Timeout;

    /// <summary>The search base of a DNS name.</summary>
    public static string SearchBase(string domain) => string.Join(',', domain.Split('.').Select(p => "DC=" + p));

    /// <summary>Binds as the service account: succeeds only if a server answers and accepts it.</summary>
    public Task CheckAsync(DsDirectoryRecord d, CancellationToken ct = default) =>
        Task.Run(
            () =>
            {
                using var c = ServiceConnection(d);
            },
            ct
        );

    /// <summary>The user's distinguished name, or null when there is no such user.</summary>
    public Task<string?> FindUserAsync(DsDirectoryRecord d, string userName, CancellationToken ct = default) =>
        Task.Run(
            () =>
            {
                using var c = ServiceConnection(d);
                var filter =
                    "(|" + string.Concat(options.UserAttributes.Select(a => $"({a}={Escape(userName)})")) + ")";
                var request = new SearchRequest(SearchBase(d.Name), filter, SearchScope.Subtree, "1.1")
                {
                    SizeLimit = 2,
                };
                try
                {
                    var response = (SearchResponse)c.SendRequest(request, options.Timeout);
                    return response.Entries.Count == 1 ? response.Entries[0].DistinguishedName : null;
                }
                catch (DirectoryOperationException ex) when (ex.Response?.ResultCode == ResultCode.NoSuchObject)
                {
                    return null;
                }
                catch (LdapException ex)
                {
                    throw new LdapUnreachableException(
                        $"the LDAP servers of {d.DirectoryId} did not answer: {ex.Message}",
                        ex
                    );
                }
            },
            ct
        );

    /// <summary>Whether the user's password is right (a bind as the user); LdapUnreachableException when no server
    /// answers.</summary>
    public async Task<bool> VerifyAsync(
        DsDirectoryRecord d,
        string userName,
        string password,
        CancellationToken ct = default
    )
    {
        if (password.Length == 0)
            return false; // an empty password would be an anonymous bind
        var dn = await FindUserAsync(d, userName, ct);
        if (dn is null)
            return false;
        return await Task.Run(
            () =>
            {
                try
                {
                    using var c = Connect(d);
                    c.Bind(new NetworkCredential(dn, password));
                    return true;
                }
                catch (LdapException ex) when (ex.ErrorCode == 49) // invalidCredentials
                {
                    return false;
                }
                catch (LdapException ex)
                {
                    throw new LdapUnreachableException(
                        $"the LDAP servers of {d.DirectoryId} did not answer: {ex.Message}",
                        ex
                    );
                }
            },
            ct
        );
    }

    private LdapConnection ServiceConnection(DsDirectoryRecord d)
    {
        var c = Connect(d);
        try
        {
            var password = d.SecretCiphertext is null
                ? ""
                : Encoding.UTF8.GetString(master.Open(d.SecretCiphertext, Associated(d)));
            var user = options
                .BindFormat.Replace("{user}", d.CustomerUserName)
                .Replace("{domain}", d.Name)
                .Replace("{base}", SearchBase(d.Name));
            c.Bind(new NetworkCredential(user, password));
            return c;
        }
        catch (LdapException ex)
        {
            c.Dispose();
            throw new LdapUnreachableException(
                ex.ErrorCode == 49
                    ? $"the service account {d.CustomerUserName} was refused by the LDAP servers of {d.DirectoryId}"
                    : $"the LDAP servers of {d.DirectoryId} did not answer: {ex.Message}{UntrustedHint(ex)}",
                ex
            );
        }
    }

    private LdapConnection Connect(DsDirectoryRecord d)
    {
        // Before the first connection copies libldap's defaults: binds too end within the timeout.
        LdapTimeouts.Apply(options.Timeout);
        var servers = (d.CustomerDnsIps ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var c = new LdapConnection(
            new LdapDirectoryIdentifier(servers, options.Port, fullyQualifiedDnsHostName: false, connectionless: false)
        )
        {
            AuthType = AuthType.Basic,
            Timeout = options.Timeout,
        };
        c.SessionOptions.ProtocolVersion = 3;
        c.SessionOptions.ReferralChasing = ReferralChasingOptions.None;
        if (options.Security == "ldaps")
            c.SessionOptions.SecureSocketLayer = true;
        if (options.Security != "none" && options.CaDirectory is { } trusted)
        {
            // These CAs alone, in a TLS context of this connection's own: set before anything connects.
            c.SessionOptions.TrustedCertificatesDirectory = trusted;
            c.SessionOptions.StartNewTlsSessionContext();
        }
        if (options.Security == "starttls")
            StartTls(c, d);
        return c;
    }

    private void StartTls(LdapConnection c, DsDirectoryRecord d)
    {
        try
        {
            // On Linux the connection gives libldap the servers' addresses only when it first sends something (a
            // StartTLS before that goes to libldap's default server): first the root DSE, read anonymously and
            // without any credential (its answer, a refusal included, does not matter), then the upgrade.
            c.AutoBind = false;
            try
            {
                c.SendRequest(new SearchRequest("", "(objectClass=*)", SearchScope.Base, "1.1"), options.Timeout);
            }
            catch (DirectoryOperationException) { }
            UpgradeToTls(c);
        }
        catch (Exception ex) when (ex is LdapException or DirectoryOperationException)
        {
            c.Dispose();
            throw new LdapUnreachableException(
                $"StartTLS with the LDAP servers of {d.DirectoryId} failed: {ex.Message}{UntrustedHint(ex)}",
                ex
            );
        }
    }

    /// <summary>
    /// slapd sends a result before it retires the operation, and refuses StartTLS with operationsError ("operations
    /// are outstanding") while one is not retired: the root DSE read just before can still be, so that refusal is
    /// asked again, briefly.
    /// </summary>
    private void UpgradeToTls(LdapConnection c)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                c.SessionOptions.StartTransportLayerSecurity(null);
                return;
            }
            catch (DirectoryOperationException ex)
                when (ex.Response?.ResultCode == ResultCode.OperationsError && attempt < StartTlsAttempts)
            {
                Thread.Sleep(TimeSpan.FromMilliseconds(5 * attempt));
            }
        }
    }

    private const int StartTlsAttempts = 8;

    /// <summary>libldap reports a certificate it does not trust as a server that cannot be reached: say so.</summary>
    private string UntrustedHint(Exception ex) =>
        options.Security != "none" && ex is LdapException { ErrorCode: 81 or 91 }
            ? " (over TLS: is the servers' certificate signed by a trusted CA, see --ldap-ca-file?)"
            : "";

    /// <summary>What the sealed service password is bound to: it opens only for this directory.</summary>
    public static string Associated(DsDirectoryRecord d) => $"{SecretPurpose}/{d.AccountId}/{d.Region}/{d.DirectoryId}";

    /// <summary>RFC 4515 escaping of a value in a search filter.</summary>
    public static string Escape(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var ch in value)
            sb.Append(
                ch switch
                {
                    '\\' => @"\5c",
                    '*' => @"\2a",
                    '(' => @"\28",
                    ')' => @"\29",
                    '\0' => @"\00",
                    _ => ch.ToString(),
                }
            );
        return sb.ToString();
    }
}
