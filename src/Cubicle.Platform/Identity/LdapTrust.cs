using System.Security.Cryptography.X509Certificates;

namespace Cubicle.Identity;

/// <summary>
/// --ldap-ca-file, in the form libldap can be given it. System.DirectoryServices.Protocols on Linux hands TLS to
/// OpenLDAP's libldap, which reads its own settings (ldap.conf, and LDAPTLS_* from the C environment, never .NET's
/// copy of it); what a connection can be handed is a folder of trusted CAs (LDAP_OPT_X_TLS_CACERTDIR, with a TLS
/// context made anew from it, see <see cref="LdapConnector"/>). The file's certificates are written there, one per
/// file: a GnuTLS libldap (Debian's, Ubuntu's) reads every file of the folder.
/// </summary>
public static class LdapTrust
{
    /// <summary>Writes the CA certificates of the PEM file into DATA/ldap-ca (made anew) and returns that folder;
    /// InvalidDataException when the file holds no certificate.</summary>
    public static string Prepare(string caFile, string dataPath)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(caFile);
        if (certificates.Count == 0)
            throw new InvalidDataException("the file holds no PEM certificate.");
        var folder = Path.Combine(dataPath, "ldap-ca");
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
        Directory.CreateDirectory(folder);
        for (var i = 0; i < certificates.Count; i++)
            File.WriteAllText(Path.Combine(folder, $"ca-{i}.pem"), certificates[i].ExportCertificatePem() + "\n");
        return folder;
    }
}
