using System.Security.Cryptography;
using System.Text;

namespace Cubicle.Accounts;

/// <summary>
/// The key that encrypts access key secrets at rest: CUBICLE_MASTER_KEY (base64 of 32 bytes) if set,
/// else DATA/master.key, made on first use and readable by its owner only.
/// </summary>
public sealed class MasterKey(byte[] key)
{
    /// <summary>The master key: the environment's, or the data folder's (made on first use). Several nodes must share
    /// one key, so with <paramref name="requireEnvironment"/> only the environment's is accepted.</summary>
    public static MasterKey Load(string dataPath, bool requireEnvironment = false)
    {
        var fromEnv = Environment.GetEnvironmentVariable("CUBICLE_MASTER_KEY");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            var bytes = Convert.FromBase64String(fromEnv);
            if (bytes.Length != 32)
                throw new InvalidDataException("CUBICLE_MASTER_KEY must be the base64 of 32 bytes.");
            return new MasterKey(bytes);
        }
        if (requireEnvironment)
            throw new InvalidDataException(
                "CUBICLE_MASTER_KEY (the base64 of 32 bytes) must be set: every node of a "
                    + "PostgreSQL cluster needs the same master key."
            );
        Directory.CreateDirectory(dataPath);
        var path = Path.Combine(dataPath, "master.key");
        if (!File.Exists(path))
        {
            var fresh = RandomNumberGenerator.GetBytes(32);
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using var f = new FileStream(path, create);
            f.Write(fresh);
        }
        return new MasterKey(File.ReadAllBytes(path));
    }

    /// <summary>A key for one purpose (page tokens, ...), derived with HKDF: the same on every node that shares the
    /// master key, and never stored anywhere.</summary>
    public byte[] Derive(string purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, key, 32, info: Encoding.UTF8.GetBytes("cubicle/" + purpose));

    public byte[] Encrypt(string secret, string associated) => Seal(Encoding.UTF8.GetBytes(secret), associated);

    public string Decrypt(byte[] sealedSecret, string associated) =>
        Encoding.UTF8.GetString(Open(sealedSecret, associated));

    /// <summary>
    /// AES-256-GCM: nonce, tag and ciphertext, bound to <paramref name="associated"/> (what it belongs to).
    /// </summary>
    public byte[] Seal(byte[] plain, string associated)
    {
        var result = new byte[12 + 16 + plain.Length];
        RandomNumberGenerator.Fill(result.AsSpan(0, 12));
        using var gcm = new AesGcm(key, 16);
        gcm.Encrypt(
            result.AsSpan(0, 12),
            plain,
            result.AsSpan(28),
            result.AsSpan(12, 16),
            Encoding.UTF8.GetBytes(associated)
        );
        return result;
    }

    public byte[] Open(byte[] sealedSecret, string associated)
    {
        var plain = new byte[sealedSecret.Length - 28];
        using var gcm = new AesGcm(key, 16);
        gcm.Decrypt(
            sealedSecret.AsSpan(0, 12),
            sealedSecret.AsSpan(28),
            sealedSecret.AsSpan(12, 16),
            plain,
            Encoding.UTF8.GetBytes(associated)
        );
        return plain;
    }
}
