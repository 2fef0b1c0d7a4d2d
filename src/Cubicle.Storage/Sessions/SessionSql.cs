namespace Cubicle.Storage;

/// <summary>The session statements. Those both engines run alike are written here once (the defaults); each
/// engine gives the rest (required) in its dialect.</summary>
public sealed record SessionSql
{
    /// <summary>The record's members.</summary>
    public string Insert { get; init; } =
        "INSERT INTO sessions(id_hash, kind, account_id, region, subject, directory_id, user_name, created_at, "
        + "expires_at) VALUES (@IdHash, @Kind, @AccountId, @Region, @Subject, @DirectoryId, @UserName, "
        + "@CreatedAt, @ExpiresAt)";

    /// <summary>@idHash.</summary>
    public string Get { get; init; } = "SELECT * FROM sessions WHERE id_hash=@idHash";
    public string Delete { get; init; } = "DELETE FROM sessions WHERE id_hash=@idHash";

    /// <summary>@kind, @subject.</summary>
    public string DeleteBySubject { get; init; } = "DELETE FROM sessions WHERE kind=@kind AND subject=@subject";

    /// <summary>@accountId, @region, @directoryId, @userName.</summary>
    public required string DeleteByUser { get; init; }

    /// <summary>@now.</summary>
    public string DeleteExpired { get; init; } = "DELETE FROM sessions WHERE expires_at<@now";

    /// <summary>@key.</summary>
    public string GetFailures { get; init; } =
        "SELECT failures, locked_until, updated_at FROM signin_failures WHERE key=@key";

    /// <summary>@key, @now: counts a failure (upsert), returning the count.</summary>
    public string AddFailure { get; init; } =
        """
            INSERT INTO signin_failures(key, failures, locked_until, updated_at) VALUES (@key, 1, 0, @now)
            ON CONFLICT(key) DO UPDATE SET updated_at=excluded.updated_at,
              failures=CASE WHEN signin_failures.updated_at < @now - 3600000 THEN 1
                ELSE signin_failures.failures + 1 END
            RETURNING failures
            """;

    /// <summary>@key, @lockedUntil.</summary>
    public string SetLockedUntil { get; init; } =
        "UPDATE signin_failures SET locked_until=@lockedUntil " + "WHERE key=@key";

    /// <summary>@key and a <see cref="SignInFailures"/>'s members: writes the row as given (insert or update).
    /// </summary>
    public string PutFailures { get; init; } =
        "INSERT INTO signin_failures(key, failures, locked_until, updated_at) "
        + "VALUES (@key, @Failures, @LockedUntil, @UpdatedAt) ON CONFLICT(key) DO UPDATE SET "
        + "failures=excluded.failures, locked_until=excluded.locked_until, updated_at=excluded.updated_at";

    /// <summary>@key.</summary>
    public string ClearFailures { get; init; } = "DELETE FROM signin_failures WHERE key=@key";

    // Counts start again after an hour without failure: rows past that, and not locked, count nothing.
    public string PruneFailures { get; init; } =
        "DELETE FROM signin_failures WHERE updated_at < @now - 3600000 AND locked_until < @now";
}
