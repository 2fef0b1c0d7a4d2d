using Cubicle.Domain;
using Cubicle.Storage;

namespace Cubicle.Desktops;

/// <summary>
/// Does the real work behind a lifecycle transition. The simulated provider only takes time; a real
/// one (local Linux sessions) starts and stops processes. Every method must be idempotent: after a
/// crash the same transition is run again.
/// </summary>
public interface IDesktopProvider
{
    /// <summary>How long after a request a transition is due to run (the simulated duration).</summary>
    TimeSpan TransitionDelay { get; }

    /// <summary>How many desktops this host runs at once; null when unlimited.</summary>
    int? Capacity => null;

    /// <summary>The host's capacity as measured now, with its stated oversubscription; null when its desktops take
    /// nothing of it (simulated).</summary>
    Task<HostCapacity?> MeasureAsync(string host, CancellationToken ct) => Task.FromResult<HostCapacity?>(null);

    /// <summary>Whether desktops of this compute type can be given as the type promises (a GPU, say).</summary>
    bool Supports(ComputeTypeInfo compute) => true;

    Task ProvisionAsync(WorkspaceRecord workspace, CancellationToken ct);
    Task StartAsync(WorkspaceRecord workspace, CancellationToken ct);
    Task StopAsync(WorkspaceRecord workspace, CancellationToken ct);
    Task RebootAsync(WorkspaceRecord workspace, CancellationToken ct);
    Task RebuildAsync(WorkspaceRecord workspace, CancellationToken ct);
    Task TerminateAsync(WorkspaceRecord workspace, CancellationToken ct);

    /// <summary>Snapshots the workspace's volumes (root and user).</summary>
    Task SnapshotAsync(WorkspaceRecord workspace, DateTimeOffset at, CancellationToken ct);

    /// <summary>Brings back the root and user volumes from the last snapshots and starts a clean session.</summary>
    Task RestoreAsync(WorkspaceRecord workspace, CancellationToken ct);

    /// <summary>Applies the workspace's current properties (volume size, compute type) to its desktop;
    /// idempotent.</summary>
    Task ModifyAsync(WorkspaceRecord workspace, CancellationToken ct);
}
