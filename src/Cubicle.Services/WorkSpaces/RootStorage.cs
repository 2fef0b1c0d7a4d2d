namespace Cubicle.Services.WorkSpaces;

public sealed class RootStorage
{
    public string? Capacity { get; set; }
}
