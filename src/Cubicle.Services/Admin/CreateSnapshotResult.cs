namespace Cubicle.Services.Admin;

public sealed class CreateSnapshotResult
{
    public string? WorkspaceId { get; set; }
    public double? SnapshotTime { get; set; }
}
