namespace Cubicle.Services.WorkSpaces;

/// <summary>RebootRequest, RebuildRequest, StartRequest, StopRequest and TerminateRequest: one member each.</summary>
public sealed class WorkspaceChangeRequest
{
    public string? WorkspaceId { get; set; }
}
