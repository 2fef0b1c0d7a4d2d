namespace Cubicle.Storage;

/// <summary>A workspace row. Times are Unix milliseconds.</summary>
public sealed class WorkspaceRecord
{
    public long Seq { get; set; }
    public string WorkspaceId { get; set; } = "";
    public string AccountId { get; set; } = "";
    public string Region { get; set; } = "";
    public string DirectoryId { get; set; } = "";
    public string UserName { get; set; } = "";
    public string BundleId { get; set; } = "";
    public string State { get; set; } = "";
    public string? IpAddress { get; set; }
    public string? SubnetId { get; set; }
    public string? ComputerName { get; set; }
    public string RunningMode { get; set; } = "ALWAYS_ON";
    public int? AutoStopTimeout { get; set; }
    public int? RootVolumeSizeGib { get; set; }
    public int? UserVolumeSizeGib { get; set; }
    public string? ComputeTypeName { get; set; }
    /// <summary>Comma-separated Protocols.</summary>
    public string? Protocols { get; set; }
    public string? OperatingSystemName { get; set; }
    public bool? RootVolumeEncryptionEnabled { get; set; }
    public bool? UserVolumeEncryptionEnabled { get; set; }
    public string? VolumeEncryptionKey { get; set; }
    public string? WorkspaceName { get; set; }
    public string? ErrorCode { get; set; }
    public string? ErrorMessage { get; set; }
    public long CreatedAt { get; set; }
    public long StateChangedAt { get; set; }
    public string ConnectionState { get; set; } = "DISCONNECTED";
    public long? ConnectionCheckedAt { get; set; }
    public long? LastConnectedAt { get; set; }
    /// <summary>Since when the user has been away: the base of the AutoStop timer.</summary>
    public long? DisconnectedAt { get; set; }
    public long? TerminatedAt { get; set; }
}

public sealed class DirectoryRecord
{
    public long Seq { get; set; }
    public string AccountId { get; set; } = "";
    public string Region { get; set; } = "";
    public string DirectoryId { get; set; } = "";
    public string? DirectoryName { get; set; }
    /// <summary>The WorkspaceDirectory shape as JSON, returned as stored.</summary>
    public string Body { get; set; } = "";
}

public sealed class SubnetRecord
{
    public string AccountId { get; set; } = "";
    public string SubnetId { get; set; } = "";
    public long Base { get; set; }
    public int Prefix { get; set; }
    public long Cursor { get; set; }
}

/// <summary>A lifecycle transition: what to do to which workspace, when, and how often it was tried.</summary>
public sealed class TransitionRecord
{
    public long Id { get; set; }
    public long WorkspaceSeq { get; set; }
    public string Kind { get; set; } = "";
    public long DueAt { get; set; }
    public int Attempts { get; set; }
    public long? LeaseUntil { get; set; }
    public string? LastError { get; set; }
}

/// <summary>A DescribeWorkspaces query: the scope, at most one filter, and the keyset cursor.</summary>
public sealed record WorkspaceQuery(
    string AccountId,
    string Region,
    IReadOnlyList<string>? WorkspaceIds,
    string? DirectoryId,
    string? UserName,
    string? BundleId,
    string? WorkspaceName,
    long AfterSeq,
    int Limit);

/// <summary>An access key made with `keys create`; the secret is stored encrypted.</summary>
public sealed class AccessKeyRecord
{
    public string AccessKeyId { get; set; } = "";
    public string AccountId { get; set; } = "";
    public byte[] SecretCiphertext { get; set; } = [];
    public string? Policy { get; set; }
    public string? UserName { get; set; }
    public long CreatedAt { get; set; }
}

/// <summary>One CloudTrail event: the columns LookupEvents filters on, and the record itself as JSON.</summary>
public sealed class AuditEventRecord
{
    public long Seq { get; set; }
    public string EventId { get; set; } = "";
    public string AccountId { get; set; } = "";
    public string Region { get; set; } = "";
    public long EventTime { get; set; }
    public string EventName { get; set; } = "";
    public string EventSource { get; set; } = "";
    public bool ReadOnly { get; set; }
    public string? Username { get; set; }
    public string? AccessKeyId { get; set; }
    public string Body { get; set; } = "";
    /// <summary>"Type\tName" lines: the resources the event names.</summary>
    public string? Resources { get; set; }
}

/// <summary>A LookupEvents query: scope, at most one attribute, a time range, and the keyset cursor (newest first).</summary>
public sealed record AuditQuery(string AccountId, string Region, string? AttributeKey, string? AttributeValue, long? StartMs, long? EndMs, long BeforeSeq, int Limit);

/// <summary>A delivered log file or digest file, as recorded for the digest chain.</summary>
public sealed class AuditFileRecord
{
    public long Seq { get; set; }
    public string AccountId { get; set; } = "";
    public string Region { get; set; } = "";
    /// <summary>LOG or DIGEST.</summary>
    public string Kind { get; set; } = "LOG";
    /// <summary>Path relative to the cloudtrail folder, e.g. AWSLogs/000000000000/CloudTrail/us-east-1/...</summary>
    public string Path { get; set; } = "";
    public string Sha256 { get; set; } = "";
    public long OldestEventTime { get; set; }
    public long NewestEventTime { get; set; }
    public long CreatedAt { get; set; }
    /// <summary>For a LOG: the digest that covers it; null until one does.</summary>
    public long? DigestSeq { get; set; }
    /// <summary>For a DIGEST: its signature (hex).</summary>
    public string? Signature { get; set; }
}

/// <summary>The database cannot serve right now (busy, full, I/O error): the API answers ServiceUnavailable.</summary>
public sealed class StoreUnavailableException(string message, Exception inner) : Exception(message, inner);
