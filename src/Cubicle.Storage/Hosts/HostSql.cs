namespace Cubicle.Storage;

/// <summary>The host statements of one engine.</summary>
public sealed record HostSql
{
    /// <summary>The record's members.</summary>
    public required string Upsert { get; init; }

    /// <summary>@name.</summary>
    public required string Lock { get; init; }
    public required string List { get; init; }
}
