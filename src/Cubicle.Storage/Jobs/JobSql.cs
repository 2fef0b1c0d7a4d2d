namespace Cubicle.Storage;

/// <summary>The job statements of one engine.</summary>
public sealed record JobSql
{
    /// <summary>@subject, @subjectSeq, @kind, @dueAt, @hostId, @createdAt; returns id.</summary>
    public required string Schedule { get; init; }

    /// <summary>@subject, @subjectSeq.</summary>
    public required string CancelAll { get; init; }

    /// <summary>@subject, @subjectSeq, @kinds.</summary>
    public required string CancelKinds { get; init; }

    /// <summary>@now, @owner, @leaseUntil, @hostId, @max; returns the claimed rows.</summary>
    public required string Claim { get; init; }

    /// <summary>@id, @owner, @attempts, @leaseUntil.</summary>
    public required string Renew { get; init; }

    /// <summary>@id.</summary>
    public required string Get { get; init; }
    public required string Delete { get; init; }

    /// <summary>@id, @dueAt, @error.</summary>
    public required string Retry { get; init; }

    /// <summary>@hostId.</summary>
    public required string NextDue { get; init; }
    public required string CountByKind { get; init; }

    /// <summary>@prefix (the node name and a colon).</summary>
    public required string ReleaseNode { get; init; }
}
