using System.Diagnostics;
using Cubicle.Identity;
using Cubicle.Storage;

namespace Cubicle.Tests;

/// <summary>StartTLS right after the root DSE read: slapd answers a result before it retires the operation and
/// refuses StartTLS meanwhile ("operations are outstanding", about one connection in thirty here).</summary>
public sealed class LdapStartTlsTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("cubicle-starttls-").FullName;
    private string? ldapDir;

    [Fact]
    public async Task StartTLS_after_the_root_DSE_read_never_fails_on_an_operation_not_yet_retired()
    {
        var cert = Path.Combine(folder, "cert.pem");
        var key = Path.Combine(folder, "key.pem");
        Run(
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            key,
            "-out",
            cert,
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1"
        );
        var started = Run("bash", Path.Combine(Repo.Root, "tests", "ldap", "slapd.sh"), "start", "corp.example.com");
        var env = started
            .Replace("export ", "")
            .Replace("'", "")
            .Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1]);
        ldapDir = env["LDAP_DIR"];
        var options = new LdapOptions
        {
            Port = int.Parse(env["LDAP_PORT"]),
            Security = "starttls",
            CaDirectory = LdapTrust.Prepare(cert, folder),
            BindFormat = "cn={user},{base}",
        };
        var d = new DsDirectoryRecord
        {
            AccountId = "000000000000",
            Region = "us-east-1",
            DirectoryId = "d-1234567890",
            Type = "ADConnector",
            Name = "corp.example.com",
            CustomerDnsIps = "127.0.0.1",
            CustomerUserName = "svc",
        };
        d.SecretCiphertext = TestWorld.Master.Encrypt("svc-password", LdapConnector.Associated(d));
        var connector = new LdapConnector(options, TestWorld.Master);

        for (var i = 0; i < 300; i++)
            await connector.CheckAsync(d);
        Assert.Equal("uid=alice,ou=people,dc=corp,dc=example,dc=com", await connector.FindUserAsync(d, "alice"));
    }

    private string Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            start.ArgumentList.Add(a);
        start.Environment["LDAP_TLS_CERT"] = Path.Combine(folder, "cert.pem");
        start.Environment["LDAP_TLS_KEY"] = Path.Combine(folder, "key.pem");
        start.Environment["LDAP_TLS_CA"] = Path.Combine(folder, "cert.pem");
        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)}: {error}");
        return output;
    }

    public void Dispose()
    {
        if (ldapDir is not null)
            Run("bash", Path.Combine(Repo.Root, "tests", "ldap", "slapd.sh"), "stop", ldapDir);
        Directory.Delete(folder, recursive: true);
    }
}
