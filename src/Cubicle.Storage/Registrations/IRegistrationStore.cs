namespace Cubicle.Storage;

/// <summary>WorkSpaces directories (registrations of Directory Service directories) and their subnets.</summary>
public interface IRegistrationStore
{
    Task<RegistrationRecord?> GetAsync(string accountId, string region, string directoryId);
    Task<RegistrationRecord?> GetBySeqAsync(long seq);
    Task<List<RegistrationRecord>> ListAsync(
        string accountId,
        string region,
        IReadOnlyList<string>? ids,
        IReadOnlyList<string>? names,
        long afterSeq,
        int limit
    );

    /// <summary>The directories of every account whose registration code is this one (case-insensitive).</summary>
    Task<List<RegistrationRecord>> FindByRegistrationCodeAsync(string registrationCode);

    /// <summary>Inserts a new row (seq 0), or saves the row as read in this transaction (its version checked);
    /// returns its seq.</summary>
    Task<long> SaveAsync(RegistrationRecord directory);
    Task DeleteAsync(long seq);
    Task<SubnetRecord?> GetSubnetAsync(string accountId, string subnetId);

    /// <summary>Upserts the subnet; <paramref name="keepCursor"/> leaves an existing cursor where it is.</summary>
    Task UpsertSubnetAsync(SubnetRecord subnet, bool keepCursor);
}
