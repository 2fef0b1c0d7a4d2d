namespace Cubicle.Services.WorkSpaces;

public sealed class ModifySelfservicePermissionsRequest
{
    public string? ResourceId { get; set; }
    public SelfservicePermissions? SelfservicePermissions { get; set; }
}
