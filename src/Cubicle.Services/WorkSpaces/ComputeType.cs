namespace Cubicle.Services.WorkSpaces;

public sealed class ComputeType
{
    public string? Name { get; set; }
}
