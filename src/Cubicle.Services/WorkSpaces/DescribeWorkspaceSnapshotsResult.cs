namespace Cubicle.Services.WorkSpaces;

public sealed class DescribeWorkspaceSnapshotsResult
{
    public List<Snapshot>? RebuildSnapshots { get; set; }
    public List<Snapshot>? RestoreSnapshots { get; set; }
}
