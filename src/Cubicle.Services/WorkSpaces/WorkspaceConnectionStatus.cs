using Cubicle.Domain;

namespace Cubicle.Services.WorkSpaces;

public sealed class WorkspaceConnectionStatus
{
    public string? WorkspaceId { get; set; }
    public string? ConnectionState { get; set; }
    public double? ConnectionStateCheckTimestamp { get; set; }
    public double? LastKnownUserConnectionTimestamp { get; set; }
}
