using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Cubicle.Storage;

namespace Cubicle.Accounts;

/// <summary>
/// Access keys: the root key of the default account (from the environment) and the keys made with
/// `keys create`, kept in the database with their secrets encrypted (AES-256-GCM under the master key).
/// Lookups are cached for a second, so a deleted key stops working within a second, even while the
/// server runs and the key was deleted by another process.
/// </summary>
public sealed class KeyStore(IStore store, AccessKey? root, MasterKey master, TimeProvider time) : IKeyStore
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<string, (AccessKey? Key, long Until)> _cache = new();

    public async ValueTask<AccessKey?> FindAsync(string accessKeyId)
    {
        if (root is not null && accessKeyId == root.AccessKeyId) return root;
        var now = time.GetTimestamp();
        if (_cache.TryGetValue(accessKeyId, out var hit) && now < hit.Until) return hit.Key;
        var row = await store.ReadAsync(r => r.GetAccessKey(accessKeyId));
        var key = row is null ? null : Open(row);
        if (_cache.Count > 100_000) _cache.Clear();
        _cache[accessKeyId] = (key, now + (long)(CacheFor.TotalSeconds * time.TimestampFrequency));
        return key;
    }

    private AccessKey Open(AccessKeyRecord row) => new(
        row.AccessKeyId,
        master.Decrypt(row.SecretCiphertext, row.AccessKeyId),
        row.AccountId,
        row.Policy is null ? null : IamPolicy.Parse(row.Policy),
        IsRoot: false,
        row.UserName);

    /// <summary>Makes a key for an account; the secret is returned once and stored only encrypted.</summary>
    public static async Task<AccessKey> CreateAsync(IStore store, MasterKey master, string accountId, string? policyJson, TimeProvider time, string? userName = null)
    {
        var policy = policyJson is null ? null : IamPolicy.Parse(policyJson);
        var id = "AKIA" + new string(RandomNumberGenerator.GetItems<char>("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16));
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(30));
        await store.WriteAsync(tx =>
        {
            tx.InsertAccessKey(new AccessKeyRecord
            {
                AccessKeyId = id,
                AccountId = accountId,
                SecretCiphertext = master.Encrypt(secret, id),
                Policy = policy?.Json,
                UserName = userName,
                CreatedAt = time.GetUtcNow().ToUnixTimeMilliseconds(),
            });
            return 0;
        });
        return new AccessKey(id, secret, accountId, policy, IsRoot: false, userName);
    }
}

/// <summary>
/// The key that encrypts access key secrets at rest: CUBICLE_MASTER_KEY (base64 of 32 bytes) if set,
/// else DATA/master.key, made on first use and readable by its owner only.
/// </summary>
public sealed class MasterKey(byte[] key)
{
    public static MasterKey Load(string dataPath)
    {
        var fromEnv = Environment.GetEnvironmentVariable("CUBICLE_MASTER_KEY");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            var bytes = Convert.FromBase64String(fromEnv);
            if (bytes.Length != 32) throw new InvalidDataException("CUBICLE_MASTER_KEY must be the base64 of 32 bytes.");
            return new MasterKey(bytes);
        }
        Directory.CreateDirectory(dataPath);
        var path = Path.Combine(dataPath, "master.key");
        if (!File.Exists(path))
        {
            var fresh = RandomNumberGenerator.GetBytes(32);
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using var f = new FileStream(path, create);
            f.Write(fresh);
        }
        return new MasterKey(File.ReadAllBytes(path));
    }

    public byte[] Encrypt(string secret, string associated)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        var result = new byte[12 + 16 + plain.Length];
        RandomNumberGenerator.Fill(result.AsSpan(0, 12));
        using var gcm = new AesGcm(key, 16);
        gcm.Encrypt(result.AsSpan(0, 12), plain, result.AsSpan(28), result.AsSpan(12, 16), Encoding.UTF8.GetBytes(associated));
        return result;
    }

    public string Decrypt(byte[] sealedSecret, string associated)
    {
        var plain = new byte[sealedSecret.Length - 28];
        using var gcm = new AesGcm(key, 16);
        gcm.Decrypt(sealedSecret.AsSpan(0, 12), sealedSecret.AsSpan(28), sealedSecret.AsSpan(12, 16), plain, Encoding.UTF8.GetBytes(associated));
        return Encoding.UTF8.GetString(plain);
    }
}
