using Cubicle.Domain;

namespace Cubicle.Services.Admin;

public sealed class RecordConnectionRequest
{
    public string? WorkspaceId { get; set; }

    /// <summary>CONNECTED or DISCONNECTED.</summary>
    public string? ConnectionState { get; set; }
}
