using Cubicle.Cluster;
using Cubicle.Domain;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Cubicle.Tests;

/// <summary>The heartbeat records the host's capacity as measured now, and says once per crossing that the disk
/// fell into its reserve, and once that it came out.</summary>
public sealed class HostHeartbeatTests
{
    private const long GiB = HostShare.GiB;

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_crossing_into_the_reserve_is_logged_once_and_the_row_holds_the_measure(string engine)
    {
        var provider = new ScriptedProvider(capacity: 4);
        using var w = new TestWorld(provider, engine: engine);
        var log = new FakeLogger<HostHeartbeat>();
        var heartbeat = new HostHeartbeat(w.Db, w.Node, provider, w.Clock, log);
        var host = new HostCapacity("local", 4, 100 * GiB, 50 * GiB, 16 * GiB, 20, 10, 1.5, 30 * GiB, 6 * GiB);

        async Task<List<string>> BeatAsync(long freeGiB)
        {
            provider.Measured = host with { DiskFreeBytes = freeGiB * GiB };
            await heartbeat.BeatAsync(1);
            return [.. log.Collector.GetSnapshot().Select(r => $"{r.Level}: {r.Message}")];
        }

        Assert.Empty(await BeatAsync(50));
        await BeatAsync(9);
        await BeatAsync(5);
        await BeatAsync(10);
        Assert.Equal(
            [
                "Warning: The disk of host local is below its reserve: 9 GiB free, 10 GiB kept; new volumes, growth "
                    + "and snapshots are refused until space is freed",
                "Information: The disk of host local is above its reserve again: 10 GiB free",
            ],
            await BeatAsync(11)
        );

        var row = (await w.Db.ReadAsync(u => u.Hosts.GetAsync("local")))!;
        Assert.Equal(host with { DiskFreeBytes = 11 * GiB }, HostLoads.CapacityOf(row));
        Assert.Equal(1, row.StartedAt);
    }

    [SkippableFact]
    public async Task A_host_that_cannot_be_measured_keeps_its_last_measure()
    {
        var provider = new FailingMeter();
        using var w = new TestWorld(provider);
        var log = new FakeLogger<HostHeartbeat>();
        var heartbeat = new HostHeartbeat(w.Db, w.Node, provider, w.Clock, log);
        await heartbeat.BeatAsync(1);
        provider.Fail = true;
        await heartbeat.BeatAsync(1);
        Assert.Equal(LogLevel.Warning, log.LatestRecord.Level);
        Assert.Equal("The capacity of host local could not be measured: du: cannot read", log.LatestRecord.Message);
        var row = (await w.Db.ReadAsync(u => u.Hosts.GetAsync("local")))!;
        Assert.Equal(FailingMeter.Measure, HostLoads.CapacityOf(row));
    }

    private sealed class FailingMeter : Desktops.IDesktopProvider
    {
        public static readonly HostCapacity Measure = new("local", 2, 10 * GiB, 5 * GiB, 4 * GiB, 1, 0, 1);
        public bool Fail;

        public TimeSpan TransitionDelay => TimeSpan.Zero;
        public int? Capacity => 2;

        public Task<HostCapacity?> MeasureAsync(string host, CancellationToken ct) =>
            Fail ? throw new InvalidOperationException("du: cannot read") : Task.FromResult<HostCapacity?>(Measure);

        public Task ProvisionAsync(Storage.WorkspaceRecord workspace, CancellationToken ct) => Task.CompletedTask;

        public Task StartAsync(Storage.WorkspaceRecord workspace, CancellationToken ct) => Task.CompletedTask;

        public Task StopAsync(Storage.WorkspaceRecord workspace, CancellationToken ct) => Task.CompletedTask;

        public Task RebootAsync(Storage.WorkspaceRecord workspace, CancellationToken ct) => Task.CompletedTask;

        public Task RebuildAsync(Storage.WorkspaceRecord workspace, CancellationToken ct) => Task.CompletedTask;

        public Task TerminateAsync(Storage.WorkspaceRecord workspace, CancellationToken ct) => Task.CompletedTask;

        public Task SnapshotAsync(Storage.WorkspaceRecord workspace, DateTimeOffset at, CancellationToken ct) =>
            Task.CompletedTask;

        public Task RestoreAsync(Storage.WorkspaceRecord workspace, CancellationToken ct) => Task.CompletedTask;

        public Task ModifyAsync(Storage.WorkspaceRecord workspace, CancellationToken ct) => Task.CompletedTask;
    }
}
