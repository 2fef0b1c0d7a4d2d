namespace Cubicle.Storage;

/// <summary>The session statements of one engine.</summary>
public sealed record SessionSql
{
    /// <summary>The record's members.</summary>
    public required string Insert { get; init; }

    /// <summary>@idHash.</summary>
    public required string Get { get; init; }
    public required string Delete { get; init; }

    /// <summary>@kind, @subject.</summary>
    public required string DeleteBySubject { get; init; }

    /// <summary>@accountId, @region, @directoryId, @userName.</summary>
    public required string DeleteByUser { get; init; }

    /// <summary>@now.</summary>
    public required string DeleteExpired { get; init; }

    /// <summary>@key.</summary>
    public required string GetFailures { get; init; }

    /// <summary>@key, @now: counts a failure (upsert), returning the count.</summary>
    public required string AddFailure { get; init; }

    /// <summary>@key, @lockedUntil.</summary>
    public required string SetLockedUntil { get; init; }

    /// <summary>@key and a <see cref="SignInFailures"/>'s members: writes the row as given (insert or update).
    /// </summary>
    public required string PutFailures { get; init; }

    /// <summary>@key.</summary>
    public required string ClearFailures { get; init; }
    public required string PruneFailures { get; init; }
}
