namespace Cubicle.Storage;

/// <summary>The directory statements. Those both engines run alike are written here once (the defaults); each
/// engine gives the rest (required) in its dialect.</summary>
public sealed record RegistrationSql
{
    /// <summary>@accountId, @region, @directoryId.</summary>
    public string Get { get; init; } =
        "SELECT * FROM directories WHERE account_id=@accountId AND region=@region AND directory_id=@directoryId";

    /// <summary>@seq.</summary>
    public string GetBySeq { get; init; } = "SELECT * FROM directories WHERE seq=@seq";

    /// <summary>@accountId, @region, @afterSeq, @limit.</summary>
    public string List { get; init; } =
        "SELECT * FROM directories WHERE account_id=@accountId AND region=@region AND seq>@afterSeq "
        + "ORDER BY seq LIMIT @limit";

    /// <summary><see cref="List"/> with @ids.</summary>
    public required string ListByIds { get; init; }

    /// <summary><see cref="List"/> with @names.</summary>
    public required string ListByNames { get; init; }

    /// <summary><see cref="List"/> with @ids and @names.</summary>
    public required string ListByIdsAndNames { get; init; }

    /// <summary>@code.</summary>
    public string FindByRegistrationCode { get; init; } =
        "SELECT * FROM directories WHERE registration_code=lower(@code) ORDER BY seq";

    /// <summary>The record's members; returns seq.</summary>
    public string Insert { get; init; } =
        "INSERT INTO directories(account_id, region, directory_id, directory_name, registration_code, body) "
        + "VALUES (@AccountId, @Region, @DirectoryId, @DirectoryName, lower(@RegistrationCode), @Body) "
        + "RETURNING seq";

    /// <summary>The record's members: the row as read (its version), else nothing changes.</summary>
    public string Update { get; init; } =
        "UPDATE directories SET directory_name=@DirectoryName, registration_code=lower(@RegistrationCode), "
        + "body=@Body, version=version+1 WHERE seq=@Seq AND version=@Version";

    /// <summary>@seq.</summary>
    public string Delete { get; init; } = "DELETE FROM directories WHERE seq=@seq";

    /// <summary>@accountId, @subnetId.</summary>
    public string GetSubnet { get; init; } =
        "SELECT * FROM subnets WHERE account_id=@accountId AND subnet_id=@subnetId";

    /// <summary>The record's members.</summary>
    public required string UpsertSubnetKeepCursor { get; init; }
    public required string UpsertSubnet { get; init; }
}
