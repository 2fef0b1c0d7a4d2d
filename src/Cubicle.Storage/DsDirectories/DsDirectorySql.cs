namespace Cubicle.Storage;

/// <summary>The Directory Service statements of one engine.</summary>
public sealed record DsDirectorySql
{
    /// <summary>@accountId, @region, @directoryId.</summary>
    public required string Get { get; init; }

    /// <summary>@seq.</summary>
    public required string GetBySeq { get; init; }

    /// <summary>@accountId, @region, @afterSeq, @limit.</summary>
    public required string List { get; init; }

    /// <summary><see cref="List"/> with @ids.</summary>
    public required string ListByIds { get; init; }

    /// <summary>The record's members; returns seq.</summary>
    public required string Insert { get; init; }
    public required string Update { get; init; }

    /// <summary>@seq.</summary>
    public required string Delete { get; init; }

    /// <summary>@seq: moves next_rid on, returning the one taken.</summary>
    public required string TakeRid { get; init; }

    /// <summary>@seq, @user.</summary>
    public required string GetUser { get; init; }

    /// <summary>@seq, @after (a relative id), @limit.</summary>
    public required string ListUsers { get; init; }

    /// <summary>The record's members; returns nothing when the name is taken.</summary>
    public required string InsertUser { get; init; }
    public required string UpdateUser { get; init; }

    /// <summary>@seq, @user.</summary>
    public required string DeleteUser { get; init; }
}
