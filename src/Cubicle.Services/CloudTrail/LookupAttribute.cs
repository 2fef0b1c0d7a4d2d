using Cubicle.Services.DirectoryServiceData;

namespace Cubicle.Services.CloudTrail;

public sealed class LookupAttribute
{
    public string? AttributeKey { get; set; }
    public string? AttributeValue { get; set; }
}
