using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace Cubicle.Audit;

/// <summary>Where CloudTrail's files go under DATA/cloudtrail, how they are named, written and signed.</summary>
public sealed class TrailFiles
{
    public string Root { get; }
    private readonly RSA _signingKey;
    public string PublicKeyFingerprint { get; }

    public TrailFiles(string dataPath)
    {
        Root = Path.Combine(dataPath, "cloudtrail");
        Directory.CreateDirectory(Root);
        var keyPath = Path.Combine(dataPath, "audit-signing-key.pem");
        _signingKey = RSA.Create(2048);
        if (File.Exists(keyPath)) _signingKey.ImportFromPem(File.ReadAllText(keyPath));
        else
        {
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var f = new FileStream(keyPath, create))
            using (var w = new StreamWriter(f))
                w.Write(_signingKey.ExportPkcs8PrivateKeyPem());
        }
        var publicPem = _signingKey.ExportSubjectPublicKeyInfoPem();
        File.WriteAllText(Path.Combine(Root, "public-key.pem"), publicPem);
        PublicKeyFingerprint = Fingerprint(_signingKey.ExportSubjectPublicKeyInfo());
    }

    public static string Fingerprint(byte[] spki) => Convert.ToHexStringLower(SHA256.HashData(spki))[..32];

    public static string LogPath(string account, string region, DateTimeOffset at, string unique) =>
        $"AWSLogs/{account}/CloudTrail/{region}/{at:yyyy}/{at:MM}/{at:dd}/{account}_CloudTrail_{region}_{at:yyyyMMdd'T'HHmm'Z'}_{unique}.json.gz";

    public static string DigestPath(string account, string region, DateTimeOffset at) =>
        $"AWSLogs/{account}/CloudTrail-Digest/{region}/{at:yyyy}/{at:MM}/{at:dd}/{account}_CloudTrail-Digest_{region}_{at:yyyyMMdd'T'HHmmss'Z'}.json.gz";

    /// <summary>Writes gzip(content) at the relative path atomically: a temp file, flushed to disk, then renamed.</summary>
    public void WriteAtomically(string relative, byte[] content)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        using (var f = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            using (var gz = new GZipStream(f, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(content);
            f.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    public static string Sha256Hex(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>CloudTrail's digest signing string: end time, the digest's path, its hash, and the previous signature.</summary>
    public static string SigningString(string endTime, string digestPath, string digestSha256, string? previousSignature) =>
        $"{endTime}\n{digestPath}\n{digestSha256}\n{previousSignature ?? "null"}";

    public string Sign(string signingString) =>
        Convert.ToHexStringLower(_signingKey.SignData(Encoding.UTF8.GetBytes(signingString), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    public static byte[] ReadGzip(string path)
    {
        using var f = File.OpenRead(path);
        using var gz = new GZipStream(f, CompressionMode.Decompress);
        using var m = new MemoryStream();
        gz.CopyTo(m);
        return m.ToArray();
    }
}
