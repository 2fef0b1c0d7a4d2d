namespace Cubicle.Audit;

public sealed class TrailResource
{
    public string? ResourceType { get; set; }
    public string? ResourceName { get; set; }
}
