namespace Cubicle.Storage;

/// <summary>The access key statements of one engine.</summary>
public sealed record AccessKeySql
{
    /// <summary>@accessKeyId.</summary>
    public required string Get { get; init; }

    /// <summary>@accountId (null: every account).</summary>
    public required string List { get; init; }

    /// <summary>The record's members.</summary>
    public required string Insert { get; init; }

    /// <summary>@accessKeyId.</summary>
    public required string Delete { get; init; }
    public required string KeyRing { get; init; }

    /// <summary>@name, @xml, @createdAt.</summary>
    public required string AddToKeyRing { get; init; }
}
