namespace Cubicle.Storage;

/// <summary>The tag statements. Those both engines run alike are written here once (the defaults); each engine
/// gives the rest (required) in its dialect.</summary>
public sealed record TagSql
{
    /// <summary>@accountId, @region, @resourceId.</summary>
    public string Get { get; init; } =
        "SELECT key AS Key, value AS Value FROM tags "
        + "WHERE account_id=@accountId AND region=@region AND resource_id=@resourceId ORDER BY key";

    /// <summary>@accountId, @region, @resourceId, @Key, @Value.</summary>
    public required string Put { get; init; }

    /// <summary>@accountId, @region, @resourceId, @key.</summary>
    public string DeleteKey { get; init; } =
        "DELETE FROM tags WHERE account_id=@accountId AND region=@region AND resource_id=@resourceId AND key=@key";

    /// <summary>@accountId, @region, @resourceId.</summary>
    public string DeleteAll { get; init; } =
        "DELETE FROM tags WHERE account_id=@accountId AND region=@region AND resource_id=@resourceId";
}
