namespace Cubicle.Services.WorkSpaces;

public sealed class UserStorage
{
    public string? Capacity { get; set; }
}
