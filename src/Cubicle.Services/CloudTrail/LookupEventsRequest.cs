namespace Cubicle.Services.CloudTrail;

public sealed class LookupEventsRequest
{
    public List<LookupAttribute>? LookupAttributes { get; set; }
    public double? StartTime { get; set; }
    public double? EndTime { get; set; }
    public string? EventCategory { get; set; }
    public int? MaxResults { get; set; }
    public string? NextToken { get; set; }
}
