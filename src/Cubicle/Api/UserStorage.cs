namespace Cubicle.Api;

public sealed class UserStorage
{
    public string? Capacity { get; set; }
}
