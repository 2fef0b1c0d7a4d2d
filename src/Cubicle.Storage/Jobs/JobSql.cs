namespace Cubicle.Storage;

/// <summary>The job statements. Those both engines run alike are written here once (the defaults); each engine
/// gives the rest (required) in its dialect.</summary>
public sealed record JobSql
{
    /// <summary>@subject, @subjectSeq, @kind, @dueAt, @hostId, @createdAt; returns id.</summary>
    public string Schedule { get; init; } =
        "INSERT INTO jobs(subject, subject_seq, kind, due_at, attempts, host_id, created_at) "
        + "VALUES (@subject, @subjectSeq, @kind, @dueAt, 0, @hostId, @createdAt) RETURNING id";

    /// <summary>@subject, @subjectSeq.</summary>
    public string CancelAll { get; init; } = "DELETE FROM jobs WHERE subject=@subject AND subject_seq=@subjectSeq";

    /// <summary>@subject, @subjectSeq, @kinds.</summary>
    public required string CancelKinds { get; init; }

    /// <summary>@now, @owner, @leaseUntil, @hostId, @max; returns the claimed rows.</summary>
    public required string Claim { get; init; }

    /// <summary>@id, @owner, @attempts, @leaseUntil.</summary>
    public string Renew { get; init; } =
        "UPDATE jobs SET lease_until=@leaseUntil WHERE id=@id AND lease_owner=@owner AND attempts=@attempts";

    /// <summary>@id.</summary>
    public string Get { get; init; } = "SELECT * FROM jobs WHERE id=@id";
    public string Delete { get; init; } = "DELETE FROM jobs WHERE id=@id";

    /// <summary>@id, @dueAt, @error.</summary>
    public string Retry { get; init; } =
        "UPDATE jobs SET due_at=@dueAt, lease_owner=NULL, lease_until=NULL, last_error=@error WHERE id=@id";

    /// <summary>@hostId.</summary>
    public required string NextDue { get; init; }
    public string CountByKind { get; init; } = "SELECT kind, COUNT(*) FROM jobs GROUP BY kind";

    /// <summary>@prefix (the node name and a colon).</summary>
    public required string ReleaseNode { get; init; }
}
