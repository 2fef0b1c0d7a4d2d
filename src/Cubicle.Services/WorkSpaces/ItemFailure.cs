namespace Cubicle.Services.WorkSpaces;

/// <summary>Why one item of a batch was refused: its entry in the answer's FailedRequests, while the other items
/// go through.</summary>
public sealed record ItemFailure(string Code, string Message)
{
    public FailedCreateWorkspaceRequest For(WorkspaceRequest item) =>
        new()
        {
            WorkspaceRequest = item,
            ErrorCode = Code,
            ErrorMessage = Message,
        };

    public FailedWorkspaceChangeRequest For(string workspaceId) =>
        new()
        {
            WorkspaceId = workspaceId,
            ErrorCode = Code,
            ErrorMessage = Message,
        };
}
