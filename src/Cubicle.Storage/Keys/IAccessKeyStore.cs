namespace Cubicle.Storage;

/// <summary>Access keys, and the key ring that protects the server's cookies and anti-forgery tokens.</summary>
public interface IAccessKeyStore
{
    Task<AccessKeyRecord?> GetAsync(string accessKeyId);
    Task<List<AccessKeyRecord>> ListAsync(string? accountId);
    Task InsertAsync(AccessKeyRecord key);
    Task<bool> DeleteAsync(string accessKeyId);

    /// <summary>The key ring's elements (XML, encrypted under the master key), oldest first.</summary>
    Task<List<string>> KeyRingAsync();
    Task AddToKeyRingAsync(string name, string xml, long createdAt);
}
