namespace Cubicle.Services.WorkSpaces;

public sealed class WorkspaceBundle
{
    public string? BundleId { get; set; }
    public string? Name { get; set; }
    public string? Owner { get; set; }
    public string? Description { get; set; }
    public string? ImageId { get; set; }
    public RootStorage? RootStorage { get; set; }
    public UserStorage? UserStorage { get; set; }
    public ComputeType? ComputeType { get; set; }
    public double? LastUpdatedTime { get; set; }
    public double? CreationTime { get; set; }
    public string? State { get; set; }
    public string? BundleType { get; set; }
}
