using Cubicle.Storage;

namespace Cubicle.Desktops;

/// <summary>Needs nothing installed: each transition simply completes once it is due.</summary>
public sealed class SimulatedDesktopProvider(TimeSpan delay) : IDesktopProvider
{
    public TimeSpan TransitionDelay => delay;

    public Task ProvisionAsync(WorkspaceRecord workspace, CancellationToken ct) => Task.CompletedTask;

    public Task StartAsync(WorkspaceRecord workspace, CancellationToken ct) => Task.CompletedTask;

    public Task StopAsync(WorkspaceRecord workspace, CancellationToken ct) => Task.CompletedTask;

    public Task RebootAsync(WorkspaceRecord workspace, CancellationToken ct) => Task.CompletedTask;

    public Task RebuildAsync(WorkspaceRecord workspace, CancellationToken ct) => Task.CompletedTask;

    public Task TerminateAsync(WorkspaceRecord workspace, CancellationToken ct) => Task.CompletedTask;

    public Task SnapshotAsync(WorkspaceRecord workspace, DateTimeOffset at, CancellationToken ct) => Task.CompletedTask;

    public Task RestoreAsync(WorkspaceRecord workspace, CancellationToken ct) => Task.CompletedTask;

    public Task ModifyAsync(WorkspaceRecord workspace, CancellationToken ct) => Task.CompletedTask;
}
