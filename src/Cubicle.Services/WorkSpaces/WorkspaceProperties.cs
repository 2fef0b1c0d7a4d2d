using Cubicle.Domain;

namespace Cubicle.Services.WorkSpaces;

public sealed class WorkspaceProperties
{
    public string? RunningMode { get; set; }
    public int? RunningModeAutoStopTimeoutInMinutes { get; set; }
    public int? RootVolumeSizeGib { get; set; }
    public int? UserVolumeSizeGib { get; set; }
    public string? ComputeTypeName { get; set; }
    public List<string>? Protocols { get; set; }
    public string? OperatingSystemName { get; set; }
    public GlobalAcceleratorForWorkSpace? GlobalAccelerator { get; set; }
}
