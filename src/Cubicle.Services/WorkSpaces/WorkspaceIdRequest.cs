namespace Cubicle.Services.WorkSpaces;

/// <summary>The request of RestoreWorkspace (and of any action that names one workspace).</summary>
public sealed class WorkspaceIdRequest
{
    public string? WorkspaceId { get; set; }
}
