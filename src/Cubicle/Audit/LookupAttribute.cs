namespace Cubicle.Audit;

public sealed class LookupAttribute
{
    public string? AttributeKey { get; set; }
    public string? AttributeValue { get; set; }
}
