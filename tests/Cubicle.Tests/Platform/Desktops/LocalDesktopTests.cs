using Cubicle.Desktops;
using Cubicle.Domain;
using Cubicle.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cubicle.Tests;

public sealed class LocalDesktopTests
{
    private const long GiB = 1L << 30;

    private static bool CanResizeOnline
    {
        get
        {
            var caps = File.ReadLines("/proc/self/status")
                .First(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
            return (Convert.ToUInt64(caps[7..].Trim(), 16) & (1UL << 24)) != 0; // CAP_SYS_RESOURCE
        }
    }

    /// <summary>The memory limit and its counters of the workspace's session, in the hierarchy the host has.</summary>
    private static (string Limit, string Events) CgroupFiles(string workspaceId) =>
        File.Exists("/sys/fs/cgroup/cgroup.controllers")
            ? (
                $"/sys/fs/cgroup/cubicle/{workspaceId}/memory.max",
                $"/sys/fs/cgroup/cubicle/{workspaceId}/memory.events"
            )
            : (
                $"/sys/fs/cgroup/memory/cubicle/{workspaceId}/memory.limit_in_bytes",
                $"/sys/fs/cgroup/memory/cubicle/{workspaceId}/memory.failcnt"
            );

    [SkippableFact]
    public async Task Modify_grows_the_user_volume_online_and_offline_and_applies_the_compute_type()
    {
        Prerequisite.LocalDesktops();
        Prerequisite.Cgroups();
        // Outside /tmp, as a data folder is.
        var data = Path.Combine("/var/lib", "cubicle-xunit-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(data);
        var desktops = new LocalDesktopProvider(
            new LocalDesktopOptions { DataPath = data },
            new BundleCatalog(),
            NullLogger<LocalDesktopProvider>.Instance
        );
        var ws = new WorkspaceRecord
        {
            WorkspaceId = "ws-" + Guid.NewGuid().ToString("N")[..9],
            UserName = "alice",
            BundleId = "wsb-al2val01",
            ComputeTypeName = "VALUE",
            UserVolumeSizeGib = 1,
        };
        var home = desktops.HomeOf(ws.WorkspaceId);
        try
        {
            await desktops.ProvisionAsync(ws, CancellationToken.None);
            Assert.InRange(new DriveInfo(home).TotalSize, 0.9 * GiB, 1.0 * GiB);
            await File.WriteAllTextAsync(Path.Combine(home, "kept.txt"), "before growing");

            // Online: the desktop keeps running while its volume grows under it. The kernel allows that only with
            // CAP_SYS_RESOURCE, which some container hosts take from root: there, the volume grows at the reboot.
            ws.UserVolumeSizeGib = 2;
            await desktops.ModifyAsync(ws, CancellationToken.None);
            var image = Path.Combine(data, "desktops", "volumes", ws.WorkspaceId + ".img");
            Assert.Equal(2 * GiB, new FileInfo(image).Length);
            Assert.True(await desktops.ProbeAsync(ws.WorkspaceId, TimeSpan.FromSeconds(5), CancellationToken.None));
            if (CanResizeOnline)
                Assert.InRange(new DriveInfo(home).TotalSize, 1.9 * GiB, 2.0 * GiB);
            else
                Assert.InRange(new DriveInfo(home).TotalSize, 0.9 * GiB, 1.0 * GiB);
            await desktops.ModifyAsync(ws, CancellationToken.None); // idempotent
            await desktops.RebootAsync(ws, CancellationToken.None);
            Assert.InRange(new DriveInfo(home).TotalSize, 1.9 * GiB, 2.0 * GiB);
            Assert.Equal("before growing", await File.ReadAllTextAsync(Path.Combine(home, "kept.txt")));

            // A larger compute type: its memory limit applies to the running session.
            ws.ComputeTypeName = "POWER";
            await desktops.ModifyAsync(ws, CancellationToken.None);
            var (limit, events) = CgroupFiles(ws.WorkspaceId);
            Assert.Equal((16 * GiB).ToString(), File.ReadAllText(limit).Trim());
            Assert.True(File.Exists(events), $"{events}: the limit's counter of hits");

            // Offline: the image grows now, the file system when the volume is next mounted.
            await desktops.StopAsync(ws, CancellationToken.None);
            Assert.False(await desktops.IsMountedAsync(ws.WorkspaceId, CancellationToken.None));
            ws.UserVolumeSizeGib = 3;
            await desktops.ModifyAsync(ws, CancellationToken.None);
            await desktops.StartAsync(ws, CancellationToken.None);
            Assert.InRange(new DriveInfo(home).TotalSize, 2.9 * GiB, 3.0 * GiB);
            Assert.Equal("before growing", await File.ReadAllTextAsync(Path.Combine(home, "kept.txt")));
        }
        finally
        {
            await desktops.TerminateAsync(ws, CancellationToken.None);
            Assert.False(Directory.Exists(home));
            Assert.False(File.Exists(Path.Combine(data, "desktops", "volumes", ws.WorkspaceId + ".img")));
            Directory.Delete(data, recursive: true);
        }
    }

    [SkippableFact]
    public async Task A_home_from_before_user_volumes_moves_into_one_links_and_all()
    {
        Prerequisite.LocalDesktops();
        var data = Path.Combine("/var/lib", "cubicle-xunit-" + Guid.NewGuid().ToString("N")[..8]);
        var desktops = new LocalDesktopProvider(
            new LocalDesktopOptions { DataPath = data },
            new BundleCatalog(),
            NullLogger<LocalDesktopProvider>.Instance
        );
        var ws = new WorkspaceRecord
        {
            WorkspaceId = "ws-" + Guid.NewGuid().ToString("N")[..9],
            UserName = "bob",
            BundleId = "wsb-al2val01",
            ComputeTypeName = "VALUE",
            UserVolumeSizeGib = 1,
        };
        var home = desktops.HomeOf(ws.WorkspaceId);
        Directory.CreateDirectory(Path.Combine(home, "docs"));
        await File.WriteAllTextAsync(Path.Combine(home, "docs", "old.txt"), "from the old layout");
        File.CreateSymbolicLink(Path.Combine(home, "link"), "/etc/shadow");
        try
        {
            await desktops.ProvisionAsync(ws, CancellationToken.None);
            Assert.True(await desktops.IsMountedAsync(ws.WorkspaceId, CancellationToken.None));
            Assert.InRange(new DriveInfo(home).TotalSize, 0.9 * GiB, 1.0 * GiB);
            Assert.Equal("from the old layout", await File.ReadAllTextAsync(Path.Combine(home, "docs", "old.txt")));
            Assert.Equal("/etc/shadow", new FileInfo(Path.Combine(home, "link")).LinkTarget);
            Assert.False(Directory.Exists(home + ".legacy"));
        }
        finally
        {
            await desktops.TerminateAsync(ws, CancellationToken.None);
            Directory.Delete(data, recursive: true);
        }
    }
}
