namespace Cubicle.Storage;

/// <summary>One CloudTrail event: the columns LookupEvents filters on, and the record itself as JSON.</summary>
public sealed class AuditEventRecord
{
    public long Seq { get; set; }

    /// <summary>Its place in the delivery order, given by the deliverer once the event is committed and visible;
    /// null until then.</summary>
    public long? Pos { get; set; }
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

    /// <summary>"Type\tName" lines: the resources the event names (well-formed ids only).</summary>
    public string? Resources { get; set; }
}
