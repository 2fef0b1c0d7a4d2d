namespace Cubicle.Api;

public sealed class ComputeType
{
    public string? Name { get; set; }
}
