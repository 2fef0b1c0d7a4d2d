namespace Cubicle.Api;

public sealed class GlobalAcceleratorForWorkSpace
{
    public string? Mode { get; set; }
    public string? PreferredProtocol { get; set; }
}
