namespace Cubicle.Accounts;

/// <summary>The key store with only the default account's root key.</summary>
public sealed class RootKeyStore(AccessKey root) : IKeyStore
{
    public AccessKey? Find(string accessKeyId) => accessKeyId == root.AccessKeyId ? root : null;
}
