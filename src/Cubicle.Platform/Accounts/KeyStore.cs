using System.Security.Cryptography;
using Cubicle.Protocol;
using Cubicle.Storage;
using Microsoft.Extensions.Caching.Memory;

namespace Cubicle.Accounts;

/// <summary>
/// Access keys: the root key of the default account (from the environment) and the keys made with
/// `keys create`, kept in the database with their secrets encrypted (AES-256-GCM under the master key).
/// Lookups are cached for a second, so a deleted key stops working within a second, even while the
/// server runs and the key was deleted by another process. The cache is bounded in bytes: ids come from strangers.
/// </summary>
public sealed class KeyStore(IDatabase db, AccessKey? root, MasterKey master, TimeProvider time)
    : IKeyStore,
        IDisposable
{
    /// <summary>The lookups kept, found keys and misses alike, are bounded by this many bytes.</summary>
    public const long CacheBytes = 4L << 20;

    /// <summary>A found key's bytes beyond its id (secret, account, policy), as charged to the cache.</summary>
    private const int KeyBytes = 1024;
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);
    private readonly BoundedCache _cache = new(CacheBytes);

    private sealed record Lookup(AccessKey? Key, long Until);

    public string? RootKeyId => root?.AccessKeyId;

    public async ValueTask<AccessKey?> FindAsync(string accessKeyId)
    {
        if (root is not null && accessKeyId == root.AccessKeyId)
            return root;
        var now = time.GetTimestamp();
        if (_cache.TryGet<Lookup>(accessKeyId, out var hit) && now < hit.Until)
            return hit.Key;
        var row = await db.ReadAsync(u => u.Keys.GetAsync(accessKeyId));
        var key = row is null ? null : Open(row);
        // A miss is kept too (an id sent again and again costs one read a second), but misses go first when full.
        _cache.Set(
            accessKeyId,
            new Lookup(key, now + (long)(CacheFor.TotalSeconds * time.TimestampFrequency)),
            2L * accessKeyId.Length + (key is null ? 0 : KeyBytes),
            CacheFor,
            priority: key is null ? CacheItemPriority.Low : CacheItemPriority.Normal
        );
        return key;
    }

    public void Dispose() => _cache.Dispose();

    private AccessKey Open(AccessKeyRecord row) =>
        new(
            row.AccessKeyId,
            master.Decrypt(row.SecretCiphertext, row.AccessKeyId),
            row.AccountId,
            row.Policy is null ? null : IamPolicy.Parse(row.Policy),
            IsRoot: false,
            row.UserName
        );

    /// <summary>Makes a key for an account; the secret is returned once and stored only encrypted.</summary>
    public static async Task<AccessKey> CreateAsync(
        IDatabase db,
        MasterKey master,
        string accountId,
        string? policyJson,
        TimeProvider time,
        string? userName = null
    )
    {
        var policy = policyJson is null ? null : IamPolicy.Parse(policyJson);
        var id = "AKIA" + new string(RandomNumberGenerator.GetItems<char>("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16));
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(30));
        await db.WriteAsync(
            Journal.Service,
            async u =>
            {
                await u.Keys.InsertAsync(
                    new AccessKeyRecord
                    {
                        AccessKeyId = id,
                        AccountId = accountId,
                        SecretCiphertext = master.Encrypt(secret, id),
                        Policy = policy?.Json,
                        UserName = userName,
                        CreatedAt = time.GetUtcNow().ToUnixTimeMilliseconds(),
                    }
                );
                return 0;
            }
        );
        return new AccessKey(id, secret, accountId, policy, IsRoot: false, userName);
    }
}
