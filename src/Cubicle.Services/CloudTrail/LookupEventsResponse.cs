using Cubicle.Audit;

namespace Cubicle.Services.CloudTrail;

public sealed class LookupEventsResponse
{
    public List<TrailEvent>? Events { get; set; }
    public string? NextToken { get; set; }
}
