namespace Cubicle.Audit;

public sealed class TrailEvent
{
    public string? EventId { get; set; }
    public string? EventName { get; set; }
    public string? ReadOnly { get; set; }
    public string? AccessKeyId { get; set; }
    public double? EventTime { get; set; }
    public string? EventSource { get; set; }
    public string? Username { get; set; }
    public List<TrailResource>? Resources { get; set; }
    public string? CloudTrailEvent { get; set; }
}
