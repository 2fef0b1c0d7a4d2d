namespace Cubicle.Protocol;

/// <summary>Finds access keys by id.</summary>
public interface IKeyStore
{
    /// <summary>The configured root key's id, which may have any form (test in developer mode); null if none.</summary>
    string? RootKeyId { get; }

    ValueTask<AccessKey?> FindAsync(string accessKeyId);
}
