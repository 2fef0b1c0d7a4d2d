// Requests and results of Cubicle's own operator actions (target prefix CubicleAdmin, signed for "cubicle").
namespace Cubicle.Admin;

public sealed class RecordConnectionRequest
{
    public string? WorkspaceId { get; set; }
    /// <summary>CONNECTED or DISCONNECTED.</summary>
    public string? ConnectionState { get; set; }
}

public sealed class RecordConnectionResult
{
    public string? WorkspaceId { get; set; }
    public string? ConnectionState { get; set; }
}

public sealed class CreateSnapshotRequest
{
    public string? WorkspaceId { get; set; }
}

public sealed class CreateSnapshotResult
{
    public string? WorkspaceId { get; set; }
    public double? SnapshotTime { get; set; }
}
