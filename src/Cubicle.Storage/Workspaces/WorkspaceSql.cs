namespace Cubicle.Storage;

/// <summary>The workspace statements of one engine.</summary>
public sealed record WorkspaceSql
{
    /// <summary>@workspaceId, @accountId, @region.</summary>
    public required string Get { get; init; }
    public required string GetById { get; init; }
    public required string GetBySeq { get; init; }

    /// <summary>@seqs.</summary>
    public required string GetBySeqs { get; init; }

    /// <summary>The query's members (@AccountId, @Region, @AfterSeq, @WorkspaceIds, @Limit).</summary>
    public required string ListByIds { get; init; }
    public required string RenderedByIds { get; init; }

    /// <summary>Keyset pages: @a account, @r region, @s after seq, @l limit; @f the filter's value; @g the user.
    /// An engine may leave @l out: the store reads no more than the limit.</summary>
    public required IReadOnlyDictionary<WorkspaceFilter, string> Pages { get; init; }
    public required IReadOnlyDictionary<WorkspaceFilter, string> RenderedPages { get; init; }

    /// <summary>@version, @afterSeq, @limit.</summary>
    public required string StaleRendered { get; init; }

    /// <summary>@state, @afterSeq, @limit.</summary>
    public required string InState { get; init; }

    /// <summary>@a, @r, @d, @u.</summary>
    public required string HasActive { get; init; }

    /// <summary>@accountId, @region, @directoryId.</summary>
    public required string CountActiveInDirectory { get; init; }

    /// <summary>@accountId: upserts and locks the usage row, returning its count.</summary>
    public required string LockAccount { get; init; }

    /// <summary>@accountId, @delta.</summary>
    public required string ChangeActiveCount { get; init; }

    /// <summary>@hostId, @states.</summary>
    public required string CountOnHost { get; init; }

    /// <summary>@states.</summary>
    public required string CountInStates { get; init; }

    /// <summary>@a, @s, @i.</summary>
    public required string IpInUse { get; init; }

    /// <summary>The record's members plus @ApiJson, @ApiJsonVersion; returns seq.</summary>
    public required string Insert { get; init; }
    public required string Update { get; init; }

    /// <summary>@seq.</summary>
    public required string Delete { get; init; }

    /// <summary>@seq, @takenAt: records one and drops all but the newest three.</summary>
    public required string AddSnapshot { get; init; }
    public required string PruneSnapshots { get; init; }

    /// <summary>@seq.</summary>
    public required string Snapshots { get; init; }
}
