namespace Cubicle.Api;

public sealed class Snapshot
{
    public double? SnapshotTime { get; set; }
}
