namespace Cubicle.Api;

public sealed class DescribeWorkspaceSnapshotsRequest
{
    public string? WorkspaceId { get; set; }
}
