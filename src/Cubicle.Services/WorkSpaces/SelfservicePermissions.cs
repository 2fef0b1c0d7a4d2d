namespace Cubicle.Services.WorkSpaces;

public sealed class SelfservicePermissions
{
    public string? RestartWorkspace { get; set; }
    public string? IncreaseVolumeSize { get; set; }
    public string? ChangeComputeType { get; set; }
    public string? SwitchRunningMode { get; set; }
    public string? RebuildWorkspace { get; set; }
}
