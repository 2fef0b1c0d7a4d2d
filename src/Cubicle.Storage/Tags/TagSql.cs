namespace Cubicle.Storage;

/// <summary>The tag statements of one engine.</summary>
public sealed record TagSql
{
    /// <summary>@accountId, @region, @resourceId.</summary>
    public required string Get { get; init; }

    /// <summary>@accountId, @region, @resourceId, @Key, @Value.</summary>
    public required string Put { get; init; }

    /// <summary>@accountId, @region, @resourceId, @key.</summary>
    public required string DeleteKey { get; init; }

    /// <summary>@accountId, @region, @resourceId.</summary>
    public required string DeleteAll { get; init; }
}
