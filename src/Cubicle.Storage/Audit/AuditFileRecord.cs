namespace Cubicle.Storage;

/// <summary>A delivered log file or digest file, as recorded for the digest chain.</summary>
public sealed class AuditFileRecord
{
    public long Seq { get; set; }
    public string AccountId { get; set; } = "";
    public string Region { get; set; } = "";

    /// <summary>LOG or DIGEST.</summary>
    public string Kind { get; set; } = "LOG";

    /// <summary>Path relative to the trail's folder, e.g. AWSLogs/000000000000/CloudTrail/us-east-1/...</summary>
    public string Path { get; set; } = "";
    public string Sha256 { get; set; } = "";
    public long OldestEventTime { get; set; }
    public long NewestEventTime { get; set; }
    public long CreatedAt { get; set; }

    /// <summary>For a LOG: the digest that covers it; null until one does.</summary>
    public long? DigestSeq { get; set; }

    /// <summary>For a DIGEST: its signature (hex).</summary>
    public string? Signature { get; set; }

    /// <summary>For a DIGEST: its content, recorded before the file is written, so that a deliverer that died in
    /// between can be followed by one that writes the file.</summary>
    public byte[]? Content { get; set; }
}
