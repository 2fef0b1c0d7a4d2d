namespace Cubicle.Services.WorkSpaces;

/// <summary>The output of Reboot, Rebuild, Start, Stop and TerminateWorkspaces.</summary>
public sealed class WorkspaceChangeResult
{
    public List<FailedWorkspaceChangeRequest> FailedRequests { get; set; } = [];
}
