using Cubicle.Cluster;
using Cubicle.Desktops;
using Cubicle.Domain;
using Cubicle.Identity;
using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;

namespace Cubicle.Tests;

/// <summary>The workspace actions of one node, as its operation table reaches them: the tests call them by their
/// action's name.</summary>
public sealed class WorkspaceActions(
    IDatabase db,
    WorkspaceLifecycle lifecycle,
    CubicleOptions options,
    IDesktopProvider desktops,
    NodeIdentity node,
    DirectoryUsers users,
    TimeProvider clock
)
{
    public WorkspaceCreation Creation { get; } =
        new(db, new BundleCatalog(), lifecycle, options, desktops, node, users);
    public WorkspaceQueries Queries { get; } = new(db, new PageTokens(new byte[32], clock));
    public WorkspaceStateChanges Changes { get; } = new(db, lifecycle);
    public WorkspacePropertyChanges Properties { get; } = new(db, lifecycle, desktops);
    public WorkspaceConnections Connections { get; } = new(db, lifecycle);

    public Task<CreateWorkspacesResult> CreateAsync(CallContext c, CreateWorkspacesRequest r) =>
        Creation.CreateAsync(c, r);

    public Task<DescribeWorkspacesResult> DescribeAsync(CallContext c, DescribeWorkspacesRequest r) =>
        Queries.DescribeAsync(c, r);

    public Task<DescribeWorkspacesConnectionStatusResult> ConnectionStatusAsync(
        CallContext c,
        DescribeWorkspacesConnectionStatusRequest r
    ) => Queries.ConnectionStatusAsync(c, r);

    public Task<DescribeWorkspaceSnapshotsResult> DescribeSnapshotsAsync(
        CallContext c,
        DescribeWorkspaceSnapshotsRequest r
    ) => Queries.DescribeSnapshotsAsync(c, r);

    public Task<DescribeAccountResult> DescribeAccountAsync(CallContext c, DescribeAccountRequest r) =>
        Queries.DescribeAccountAsync(c, r);

    public Task<EmptyResult> ModifyAsync(CallContext c, ModifyWorkspacePropertiesRequest r) =>
        Properties.ModifyAsync(c, r);

    public Task<WorkspaceChangeResult> RebootAsync(CallContext c, RebootWorkspacesRequest r) =>
        Changes.RebootAsync(c, r);

    public Task<WorkspaceChangeResult> RebuildAsync(CallContext c, RebuildWorkspacesRequest r) =>
        Changes.RebuildAsync(c, r);

    public Task<WorkspaceChangeResult> StartAsync(CallContext c, StartWorkspacesRequest r) => Changes.StartAsync(c, r);

    public Task<WorkspaceChangeResult> StopAsync(CallContext c, StopWorkspacesRequest r) => Changes.StopAsync(c, r);

    public Task<WorkspaceChangeResult> TerminateAsync(CallContext c, TerminateWorkspacesRequest r) =>
        Changes.TerminateAsync(c, r);

    public Task<EmptyResult> RestoreAsync(CallContext c, WorkspaceIdRequest r) => Changes.RestoreAsync(c, r);

    public Task<EmptyResult> ModifyStateAsync(CallContext c, ModifyWorkspaceStateRequest r) =>
        Changes.ModifyStateAsync(c, r);

    public Task<WorkspaceRecord?> StartForSignInAsync(long seq) => Changes.StartForSignInAsync(seq);

    public Task<WorkspaceRecord> RecordConnectionAsync(string workspaceId, bool connected) =>
        Connections.RecordConnectionAsync(workspaceId, connected);
}
