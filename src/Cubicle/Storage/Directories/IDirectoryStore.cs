namespace Cubicle.Storage;

/// <summary>Directories, their users (with password hashes) and their subnets.</summary>
public interface IDirectoryStore
{
    Task<DirectoryRecord?> GetAsync(string accountId, string region, string directoryId);
    Task<List<DirectoryRecord>> ListAsync(string accountId, string region, IReadOnlyList<string>? ids,
        IReadOnlyList<string>? names, long afterSeq, int limit);
    /// <summary>The directories of every account whose registration code is this one (case-insensitive).</summary>
    Task<List<DirectoryRecord>> FindByRegistrationCodeAsync(string registrationCode);
    /// <summary>Inserts or updates by (account, region, id); returns its seq.</summary>
    Task<long> UpsertAsync(DirectoryRecord directory);
    /// <summary>Makes the directory's user list exactly these names; users who stay keep their passwords.</summary>
    Task SetUsersAsync(long directorySeq, IReadOnlyCollection<string> users);
    Task<bool> HasUserAsync(long directorySeq, string userName);
    Task<string?> GetPasswordHashAsync(long directorySeq, string userName);
    Task<bool> SetPasswordHashAsync(long directorySeq, string userName, string hash);
    Task<SubnetRecord?> GetSubnetAsync(string accountId, string subnetId);
    /// <summary>Upserts the subnet; <paramref name="keepCursor"/> leaves an existing cursor where it is.</summary>
    Task UpsertSubnetAsync(SubnetRecord subnet, bool keepCursor);
}
