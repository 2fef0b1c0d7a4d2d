namespace Cubicle.Api;

public sealed class RootStorage
{
    public string? Capacity { get; set; }
}
