namespace Cubicle.Services.WorkSpaces;

public sealed class ModificationState
{
    public string? Resource { get; set; }
    public string? State { get; set; }
}
