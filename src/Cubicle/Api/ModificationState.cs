namespace Cubicle.Api;

public sealed class ModificationState
{
    public string? Resource { get; set; }
    public string? State { get; set; }
}
