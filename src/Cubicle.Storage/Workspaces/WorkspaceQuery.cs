namespace Cubicle.Storage;

/// <summary>A DescribeWorkspaces query: the scope, at most one filter, and the keyset cursor.</summary>
public sealed record WorkspaceQuery(
    string AccountId,
    string Region,
    IReadOnlyList<string>? WorkspaceIds,
    string? DirectoryId,
    string? UserName,
    string? BundleId,
    string? WorkspaceName,
    long AfterSeq,
    int Limit
);
