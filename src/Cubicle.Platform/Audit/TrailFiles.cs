using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Cubicle.Audit;

/// <summary>
/// Where CloudTrail's files go (the trail's folder, DATA/cloudtrail unless --audit-dir says otherwise), how they are
/// named, written and signed. The signing key may live outside the data folder (--audit-signing-key), so whoever can
/// write DATA cannot re-sign the trail. Its public key joins the trail's key history (public-keys/FINGERPRINT.pem),
/// which only grows: a rotated key is added, never written over.
/// </summary>
public sealed class TrailFiles
{
    public string Root { get; }
    private readonly RSA _signingKey;
    public string PublicKeyFingerprint { get; }

    public TrailFiles(string root, string signingKeyPath)
    {
        Root = root;
        Directory.CreateDirectory(Root);
        _signingKey = LoadOrCreateKey(signingKeyPath);
        PublicKeyFingerprint = Fingerprint(_signingKey.ExportSubjectPublicKeyInfo());
        var history = Path.Combine(Root, "public-keys");
        Directory.CreateDirectory(history);
        var published = Path.Combine(history, PublicKeyFingerprint + ".pem");
        if (!File.Exists(published))
            WriteNew(published, _signingKey.ExportSubjectPublicKeyInfoPem());
    }

    /// <summary>The signing key at the path, made there if there is none. Several nodes may start together on one
    /// shared path: a key is written whole to a temp file and moved into place only if the place is still free; a
    /// node that loses that race reads the winner's key (waiting while it is being written).</summary>
    private static RSA LoadOrCreateKey(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        for (var attempt = 0; ; attempt++)
        {
            if (File.Exists(path))
            {
                try
                {
                    var existing = RSA.Create();
                    existing.ImportFromPem(File.ReadAllText(path));
                    return existing;
                }
                catch (ArgumentException) when (attempt < 100)
                {
                    Thread.Sleep(50); // another node's key, not complete yet
                    continue;
                }
            }
            var fresh = RSA.Create(2048);
            if (WriteNew(path, fresh.ExportPkcs8PrivateKeyPem(), UnixFileMode.UserRead | UnixFileMode.UserWrite))
                return fresh;
        }
    }

    /// <summary>The public keys of the trail's history, by fingerprint.</summary>
    public static Dictionary<string, RSA> PublicKeys(string root)
    {
        var keys = new Dictionary<string, RSA>(StringComparer.Ordinal);
        var history = Path.Combine(root, "public-keys");
        if (!Directory.Exists(history))
            return keys;
        foreach (var file in Directory.GetFiles(history, "*.pem"))
        {
            var rsa = ImportPublicKey(File.ReadAllText(file));
            keys[Fingerprint(rsa.ExportSubjectPublicKeyInfo())] = rsa;
        }
        return keys;
    }

    /// <summary>A public key (or a key pair, of which the public half is kept) from PEM.</summary>
    public static RSA ImportPublicKey(string pem)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        var pub = RSA.Create();
        pub.ImportSubjectPublicKeyInfo(rsa.ExportSubjectPublicKeyInfo(), out _);
        return pub;
    }

    /// <summary>Writes a file whole (temp file, flushed) and moves it into place unless one is there already: readers
    /// never see it half-written, and it is never overwritten. False when another writer was first.</summary>
    private static bool WriteNew(string path, string text, UnixFileMode? mode = null)
    {
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (mode is { } m && !OperatingSystem.IsWindows())
            create.UnixCreateMode = m;
        using (var f = new FileStream(temp, create))
        {
            f.Write(Encoding.UTF8.GetBytes(text));
            f.Flush(flushToDisk: true);
        }
        try
        {
            File.Move(temp, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temp);
            return false;
        }
    }

    public static string Fingerprint(byte[] spki) => Convert.ToHexStringLower(SHA256.HashData(spki))[..32];

    public static string LogPath(string account, string region, DateTimeOffset at, string unique) =>
        $"AWSLogs/{account}/CloudTrail/{region}/{at:yyyy}/{at:MM}/{at:dd}/"
        + $"{account}_CloudTrail_{region}_{at:yyyyMMdd'T'HHmm'Z'}_{unique}.json.gz";

    public static string DigestPath(string account, string region, DateTimeOffset at) =>
        $"AWSLogs/{account}/CloudTrail-Digest/{region}/{at:yyyy}/{at:MM}/{at:dd}/"
        + $"{account}_CloudTrail-Digest_{region}_{at:yyyyMMdd'T'HHmmss'Z'}.json.gz";

    /// <summary>
    /// Writes gzip(content) at the relative path atomically: a temp file, flushed to disk, then renamed.
    /// </summary>
    public void WriteAtomically(string relative, byte[] content)
    {
        using var file = Create();
        file.Stream.Write(content);
        file.Commit(relative);
    }

    /// <summary>The folder of log files that could not be written to their place (see <see cref="SetAside"/>).
    /// </summary>
    public const string QuarantineFolder = "quarantine";

    /// <summary>
    /// Puts a complete log file that could not be written to its place into the quarantine folder, with a note of
    /// where it belongs and why it is there, so that the rest of the trail goes on. Throws if the quarantine folder
    /// cannot be written either: then nothing of the trail can be, and the delivery is retried.
    /// </summary>
    public string SetAside(TrailFile file, string name, string intendedPath, Exception why)
    {
        var relative = Path.Combine(QuarantineFolder, name);
        file.Commit(relative);
        var note = JsonSerializer.Serialize(
            new Dictionary<string, string> { ["intendedPath"] = intendedPath, ["error"] = why.Message },
            AuditJson.Default.DictionaryStringString
        );
        File.WriteAllText(Path.Combine(Root, relative + ".why.json"), note);
        return relative;
    }

    /// <summary>A file being written: gzip into a temp file, then flushed and renamed into place by
    /// <see cref="TrailFile.Commit"/>. Disposing without committing removes the temp file.</summary>
    public TrailFile Create() => new(Root);

    public static string Sha256Hex(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>
    /// CloudTrail's digest signing string: end time, the digest's path, its hash, and the previous signature.
    /// </summary>
    public static string SigningString(
        string endTime,
        string digestPath,
        string digestSha256,
        string? previousSignature
    ) => $"{endTime}\n{digestPath}\n{digestSha256}\n{previousSignature ?? "null"}";

    public string Sign(string signingString) =>
        Convert.ToHexStringLower(
            _signingKey.SignData(
                Encoding.UTF8.GetBytes(signingString),
                HashAlgorithmName.SHA256,
                RSASignaturePadding.Pkcs1
            )
        );

    public static byte[] ReadGzip(string path)
    {
        using var f = File.OpenRead(path);
        using var gz = new GZipStream(f, CompressionMode.Decompress);
        using var m = new MemoryStream();
        gz.CopyTo(m);
        return m.ToArray();
    }
}
