namespace Cubicle.Storage;

/// <summary>Tags of workspaces and directories, by resource id within an account and region.</summary>
public interface ITagStore
{
    Task<List<TagRecord>> GetAsync(string accountId, string region, string resourceId);

    /// <summary>Adds or overwrites each tag.</summary>
    Task PutAsync(string accountId, string region, string resourceId, IEnumerable<TagRecord> tags);

    /// <summary>Removes the given keys, or every tag of the resource when <paramref name="keys"/> is null.</summary>
    Task DeleteAsync(string accountId, string region, string resourceId, IEnumerable<string>? keys);
}
