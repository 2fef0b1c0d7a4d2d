using Cubicle.Domain;

namespace Cubicle.Services.Admin;

public sealed class RecordConnectionResult
{
    public string? WorkspaceId { get; set; }
    public string? ConnectionState { get; set; }
}
