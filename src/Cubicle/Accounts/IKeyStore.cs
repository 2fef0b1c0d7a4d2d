namespace Cubicle.Accounts;

/// <summary>Finds access keys by id.</summary>
public interface IKeyStore
{
    ValueTask<AccessKey?> FindAsync(string accessKeyId);
}
