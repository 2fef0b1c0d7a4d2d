namespace Cubicle.Services.Admin;

public sealed class CreateSnapshotRequest
{
    public string? WorkspaceId { get; set; }
}
