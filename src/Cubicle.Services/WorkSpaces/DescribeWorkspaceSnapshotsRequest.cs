namespace Cubicle.Services.WorkSpaces;

public sealed class DescribeWorkspaceSnapshotsRequest
{
    public string? WorkspaceId { get; set; }
}
