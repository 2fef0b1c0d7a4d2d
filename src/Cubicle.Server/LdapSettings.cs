using System.Security.Cryptography;
using Cubicle.Identity;

namespace Cubicle.Server;

/// <summary>How AD Connectors reach their directories, from the options table; --ldap-ca-file made into the folder
/// each connection is given (see <see cref="LdapTrust"/>).</summary>
public static class LdapSettings
{
    public static LdapOptions? Read(IConfiguration config, string dataPath, out string? error)
    {
        error = null;
        var ldap = new LdapOptions
        {
            Port = config.GetValue("ldap-port", config["ldap-security"] == "ldaps" ? 636 : 389),
            Security = ServerOptions.TextOf(config, "ldap-security")!,
            BindFormat = ServerOptions.TextOf(config, "ldap-bind-format")!,
            UserAttributes = ServerOptions
                .TextOf(config, "ldap-user-attributes")!
                .Split(',', StringSplitOptions.RemoveEmptyEntries),
            Timeout = TimeSpan.FromSeconds(ServerOptions.NumberOf(config, "ldap-timeout-seconds")),
            HealthInterval = TimeSpan.FromSeconds(ServerOptions.NumberOf(config, "ldap-health-seconds")),
            AllowLoopback = ServerOptions.TextOf(config, "ldap-allow-loopback") == "true",
        };
        if (config["ldap-ca-file"] is not { Length: > 0 } ca)
            return ldap;
        try
        {
            ldap.CaDirectory = LdapTrust.Prepare(ca, dataPath);
            return ldap;
        }
        catch (Exception ex)
            when (ex is IOException or CryptographicException or UnauthorizedAccessException or InvalidDataException)
        {
            error = $"--ldap-ca-file {ca}: {ex.Message}";
            return null;
        }
    }
}
