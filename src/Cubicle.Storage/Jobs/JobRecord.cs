namespace Cubicle.Storage;

/// <summary>A lifecycle job: what to do to which resource, when, how often it was tried, and who holds it.</summary>
public sealed class JobRecord
{
    public long Id { get; set; }

    /// <summary>The kind of resource: <see cref="JobSubjects"/>.</summary>
    public string Subject { get; set; } = JobSubjects.Workspace;
    public long SubjectSeq { get; set; }
    public string Kind { get; set; } = "";
    public long DueAt { get; set; }
    public int Attempts { get; set; }

    /// <summary>The node and process holding the job ("node:instance") while <see cref="LeaseUntil"/> lasts.</summary>
    public string? LeaseOwner { get; set; }
    public long? LeaseUntil { get; set; }
    public string? LastError { get; set; }

    /// <summary>Only this node may run the job (its desktops are there); null: any node.</summary>
    public string? HostId { get; set; }
}
