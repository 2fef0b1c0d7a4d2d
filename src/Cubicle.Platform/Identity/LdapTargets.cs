using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Cubicle.Protocol;
using Cubicle.Storage;
using Microsoft.Extensions.Logging;

namespace Cubicle.Identity;

/// <summary>
/// Where an AD Connector may send the service account's password: the CustomerDnsIps of ConnectDirectory. A caller
/// must not point them at this host (loopback, "this network", its own addresses) or at link-local addresses (a
/// cloud's metadata service), where whatever listens would receive the bind; <see cref="LdapOptions.AllowLoopback"/>
/// lifts that for a directory that really runs on this host. Binds without TLS are allowed, as AD Connector allows
/// them, but said loudly.
/// </summary>
public sealed class LdapTargets(LdapOptions options, ILogger<LdapTargets> log)
{
    public const string ClearTextNote =
        "This directory's LDAP servers are reached without TLS (Cubicle runs with --ldap-security none): the "
        + "service account's and users' passwords cross the network in clear text.";

    /// <summary>What DescribeDirectories shows of an AD Connector that is not in trouble: the note that its binds go
    /// in clear, or nothing.</summary>
    public static string? NoteFor(LdapOptions options) => options.Security == "none" ? ClearTextNote : null;

    public string? Note => NoteFor(options);

    /// <summary>The addresses in their canonical form (what is checked is what is connected to), or
    /// InvalidParameterException naming the member of one that may not be used.</summary>
    public List<string> Check(List<string> ips, string member)
    {
        var own = options.AllowLoopback ? [] : OwnAddresses();
        var canonical = new List<string>(ips.Count);
        for (var i = 0; i < ips.Count; i++)
        {
            // Each part as decimal, whatever leading zeros it has (a resolver may read "010" as octal).
            var parts = ips[i].Split('.').Select(p => byte.Parse(p, NumberStyles.None, CultureInfo.InvariantCulture));
            var ip = new IPAddress(parts.ToArray());
            if (!options.AllowLoopback && Forbidden(ip, own) is { } why)
                throw Validate.Fail(
                    $"{member}[{i}]",
                    $"{ip} is {why}; give the addresses of the directory's own DNS servers and domain controllers."
                );
            canonical.Add(ip.ToString());
        }
        return canonical;
    }

    /// <summary>Says, once an AD Connector is made, that its binds will go in clear.</summary>
    public void Connected(DsDirectoryRecord d)
    {
        if (options.Security == "none")
            log.LogWarning(
                "AD Connector {Directory} reaches its LDAP servers without TLS (--ldap-security none): the service "
                    + "account's and users' passwords cross the network in clear text; use starttls or ldaps",
                d.DirectoryId
            );
    }

    private static string? Forbidden(IPAddress ip, HashSet<IPAddress> own)
    {
        var b = ip.GetAddressBytes();
        if (IPAddress.IsLoopback(ip))
            return "a loopback address (this host)";
        if (b[0] == 0)
            return "an address of \"this network\" (0.0.0.0/8 reaches this host)";
        if (b[0] == 169 && b[1] == 254)
            return "a link-local address";
        if (own.Contains(ip))
            return "an address of this host";
        return null;
    }

    private static HashSet<IPAddress> OwnAddresses()
    {
        try
        {
            return NetworkInterface
                .GetAllNetworkInterfaces()
                .SelectMany(n => n.GetIPProperties().UnicastAddresses)
                .Select(a => a.Address)
                .Where(a => a.AddressFamily == AddressFamily.InterNetwork)
                .ToHashSet();
        }
        catch (NetworkInformationException)
        {
            return [];
        }
    }
}
