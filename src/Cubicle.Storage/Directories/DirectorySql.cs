namespace Cubicle.Storage;

/// <summary>The directory statements of one engine.</summary>
public sealed record DirectorySql
{
    /// <summary>@accountId, @region, @directoryId.</summary>
    public required string Get { get; init; }

    /// <summary>@seq.</summary>
    public required string GetBySeq { get; init; }

    /// <summary>@accountId, @region, @afterSeq, @limit.</summary>
    public required string List { get; init; }

    /// <summary><see cref="List"/> with @ids.</summary>
    public required string ListByIds { get; init; }

    /// <summary><see cref="List"/> with @names.</summary>
    public required string ListByNames { get; init; }

    /// <summary><see cref="List"/> with @ids and @names.</summary>
    public required string ListByIdsAndNames { get; init; }

    /// <summary>@code.</summary>
    public required string FindByRegistrationCode { get; init; }

    /// <summary>The record's members; returns seq.</summary>
    public required string Insert { get; init; }

    /// <summary>The record's members: the row as read (its version), else nothing changes.</summary>
    public required string Update { get; init; }

    /// <summary>@seq.</summary>
    public required string Delete { get; init; }

    /// <summary>@accountId, @subnetId.</summary>
    public required string GetSubnet { get; init; }

    /// <summary>The record's members.</summary>
    public required string UpsertSubnetKeepCursor { get; init; }
    public required string UpsertSubnet { get; init; }
}
