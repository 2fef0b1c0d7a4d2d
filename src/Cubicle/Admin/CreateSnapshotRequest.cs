namespace Cubicle.Admin;

public sealed class CreateSnapshotRequest
{
    public string? WorkspaceId { get; set; }
}
