using Cubicle.Desktops;
using Cubicle.Domain;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;

namespace Cubicle.Tests;

/// <summary>
/// A desktop provider a test scripts: its capacity (desktops, disk, memory), whether it has GPUs, how many times each
/// kind of work fails before it succeeds, and a record of the work it was asked to do ("PROVISION ws-...").
/// </summary>
public sealed class ScriptedProvider(int? capacity = null, bool gpu = true) : IDesktopProvider
{
    private readonly Dictionary<string, int> _failures = [];
    private readonly List<string> _calls = [];

    public TimeSpan TransitionDelay => TimeSpan.FromSeconds(5);

    public int? Capacity => capacity;

    /// <summary>What the host measures (its desktops' count aside): by default a disk and memory no test fills.
    /// </summary>
    public HostCapacity? Measured { get; set; }

    public Task<HostCapacity?> MeasureAsync(string host, CancellationToken ct) =>
        Task.FromResult(
            capacity is { } max
                ? (Measured ?? new HostCapacity(host, max, 1L << 50, 1L << 50, 1L << 45, 1, 0, 1)) with
                {
                    Host = host,
                    MaxDesktops = max,
                }
                : null
        );

    public bool Supports(ComputeTypeInfo compute) => gpu || !compute.Gpu;

    /// <summary>The work asked of the provider so far, in order: the kind, a space and the workspace's id.</summary>
    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (_calls)
                return [.. _calls];
        }
    }

    /// <summary>Makes the next <paramref name="times"/> calls of that kind of work fail; <paramref
    /// name="permanently"/>: with a failure retrying cannot fix (the host has no room).</summary>
    public void Fail(string kind, int times, bool permanently = false)
    {
        lock (_calls)
        {
            _failures[kind] = times;
            _permanent = permanently;
        }
    }

    private bool _permanent;

    private Task Do(string kind, WorkspaceRecord? ws)
    {
        lock (_calls)
        {
            _calls.Add($"{kind} {ws?.WorkspaceId}");
            if (_failures.TryGetValue(kind, out var left) && left > 0)
            {
                _failures[kind] = left - 1;
                var message = $"{kind.ToLowerInvariant()} refused by the host";
                throw _permanent ? new PermanentFailureException(message) : new InvalidOperationException(message);
            }
        }
        return Task.CompletedTask;
    }

    public Task ProvisionAsync(WorkspaceRecord workspace, CancellationToken ct) => Do("PROVISION", workspace);

    public Task StartAsync(WorkspaceRecord workspace, CancellationToken ct) => Do("START", workspace);

    public Task StopAsync(WorkspaceRecord workspace, CancellationToken ct) => Do("STOP", workspace);

    public Task RebootAsync(WorkspaceRecord workspace, CancellationToken ct) => Do("REBOOT", workspace);

    public Task RebuildAsync(WorkspaceRecord workspace, CancellationToken ct) => Do("REBUILD", workspace);

    public Task TerminateAsync(WorkspaceRecord workspace, CancellationToken ct) => Do("TERMINATE", workspace);

    public Task SnapshotAsync(WorkspaceRecord workspace, DateTimeOffset at, CancellationToken ct) =>
        Do("SNAPSHOT", workspace);

    public Task RestoreAsync(WorkspaceRecord workspace, CancellationToken ct) => Do("RESTORE", workspace);

    public Task ModifyAsync(WorkspaceRecord workspace, CancellationToken ct) => Do("MODIFY", workspace);
}
