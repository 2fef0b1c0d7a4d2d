namespace Cubicle.Services.WorkSpaces;

public sealed class Snapshot
{
    public double? SnapshotTime { get; set; }
}
