namespace Cubicle.Services.WorkSpaces;

public sealed class GlobalAcceleratorForWorkSpace
{
    public string? Mode { get; set; }
    public string? PreferredProtocol { get; set; }
}
