using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Cubicle.Domain;
using Cubicle.Storage;
using Microsoft.Extensions.Logging;

namespace Cubicle.Desktops;

/// <summary>
/// Each workspace is a Linux desktop on this host: a Linux account of its own, a user volume (an ext4 image
/// mounted on its home) and a session (Xvnc with its VNC endpoint on a Unix socket, icewm and xterm) in a
/// sandbox built from nothing (see <see cref="SandboxCommand"/>), within cgroup and rlimit limits. Sessions are
/// detached from the server, so a restart adopts them instead of killing them. The server reaches a desktop
/// only through <see cref="ConnectAsync"/>, which trusts nothing the tenant controls.
/// </summary>
public sealed class LocalDesktopProvider : IDesktopProvider
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(40);
    private static readonly TimeSpan ReadyProbeTimeout = TimeSpan.FromSeconds(2);
    private const int DefaultVolumeGib = 10;
    private const int OpenFiles = 8192;

    private readonly LocalDesktopOptions _options;
    private readonly BundleCatalog _bundles;
    private readonly ILogger<LocalDesktopProvider> _log;
    private readonly DesktopPaths _paths;
    private readonly HostMeter _meter;
    private readonly UserVolumes _volumes;
    private readonly CgroupLimits _limits;
    private readonly SessionProcesses _processes;
    private readonly DesktopAccounts _accounts = new();
    private readonly WorkspaceLocks _locks = new();

    public LocalDesktopProvider(LocalDesktopOptions options, BundleCatalog bundles, ILogger<LocalDesktopProvider> log)
    {
        _options = options;
        _bundles = bundles;
        _log = log;
        _paths = new DesktopPaths(options.DataPath);
        _meter = new HostMeter(_paths, options);
        _volumes = new UserVolumes(_paths, _meter, log);
        _limits = new CgroupLimits(log);
        _processes = new SessionProcesses(_paths, log);
        _paths.EnsureTree();
    }

    /// <summary>The host tools local desktops run: the server refuses to start without them.</summary>
    public static readonly string[] RequiredTools =
    [
        "bwrap",
        "Xvnc",
        "icewm-session",
        "xterm",
        "setpriv",
        "prlimit",
        "setsid",
        "useradd",
        "userdel",
        "tar",
        "mount",
        "umount",
        "findmnt",
        "losetup",
        "mkfs.ext4",
        "e2fsck",
        "resize2fs",
        "dumpe2fs",
    ];

    public TimeSpan TransitionDelay => TimeSpan.Zero;
    public int? Capacity => _options.MaxDesktops;

    public async Task<HostCapacity?> MeasureAsync(string host, CancellationToken ct) =>
        await _meter.MeasureAsync(host, ct);

    public DesktopPaths Paths => _paths;

    public string HomeOf(string workspaceId) => _paths.Home(workspaceId);

    /// <summary>The Linux account of a workspace (ids are at most 32 characters).</summary>
    public static string AccountOf(string workspaceId) => DesktopAccounts.AccountOf(workspaceId);

    public async Task ProvisionAsync(WorkspaceRecord ws, CancellationToken ct)
    {
        using var held = await _locks.LockAsync(ws.WorkspaceId, ct);
        await StartSessionAsync(ws, ct);
    }

    public async Task StartAsync(WorkspaceRecord ws, CancellationToken ct)
    {
        using var held = await _locks.LockAsync(ws.WorkspaceId, ct);
        await StartSessionAsync(ws, ct);
    }

    public async Task StopAsync(WorkspaceRecord ws, CancellationToken ct)
    {
        using var held = await _locks.LockAsync(ws.WorkspaceId, ct);
        await StopSessionAsync(ws.WorkspaceId);
        await _volumes.UnmountAsync(ws.WorkspaceId, ct);
    }

    public async Task RebootAsync(WorkspaceRecord ws, CancellationToken ct)
    {
        using var held = await _locks.LockAsync(ws.WorkspaceId, ct);
        await StopSessionAsync(ws.WorkspaceId);
        await StartSessionAsync(ws, ct);
    }

    /// <summary>As the seed describes: the user volume comes back from the last snapshot (into a fresh volume, so
    /// nothing of the old one is walked as root), then a clean session starts.</summary>
    public async Task RebuildAsync(WorkspaceRecord ws, CancellationToken ct)
    {
        using var held = await _locks.LockAsync(ws.WorkspaceId, ct);
        await StopSessionAsync(ws.WorkspaceId);
        var (uid, gid) = await _accounts.EnsureAsync(ws.WorkspaceId, ct);
        await _volumes.UnmountAsync(ws.WorkspaceId, ct);
        // A home from before user volumes is replaced by the snapshot as any other would be.
        if (_volumes.SetLegacyHomeAside(ws.WorkspaceId, mounted: false) is { } legacy)
            Directory.Delete(legacy, true);
        await _volumes.CreateAsync(ws.WorkspaceId, VolumeGibOf(ws), uid, gid, ct);
        await _volumes.MountAsync(ws.WorkspaceId, ct);
        if (LastSnapshot(ws.WorkspaceId) is { } last)
            await _volumes.RestoreAsync(ws.WorkspaceId, last, ct);
        await StartSessionAsync(ws, ct);
    }

    public async Task TerminateAsync(WorkspaceRecord ws, CancellationToken ct)
    {
        using var held = await _locks.LockAsync(ws.WorkspaceId, ct);
        await StopSessionAsync(ws.WorkspaceId);
        await _volumes.DeleteAsync(ws.WorkspaceId, ct);
        await _accounts.RemoveAsync(ws.WorkspaceId, ct);
        foreach (var dir in new[] { _paths.Session(ws.WorkspaceId), _paths.Snapshots(ws.WorkspaceId) })
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
    }

    /// <summary>Applies the workspace's current properties: a larger UserVolumeSizeGib grows the volume (online
    /// when the desktop runs), and the compute type's CPU and memory limits are written again.</summary>
    public async Task ModifyAsync(WorkspaceRecord ws, CancellationToken ct)
    {
        using var held = await _locks.LockAsync(ws.WorkspaceId, ct);
        await _volumes.GrowAsync(ws.WorkspaceId, VolumeGibOf(ws), ct);
        _limits.Apply(ws.WorkspaceId, ws.ComputeTypeName);
    }

    /// <summary>Desktops here get CPU and memory, but no GPU.</summary>
    public bool Supports(ComputeTypeInfo compute) => !compute.Gpu;

    /// <summary>A snapshot job: the user volume. Without one there is nothing to record, and no snapshot is
    /// recorded (the job fails and the next is due at the usual interval).</summary>
    public Task SnapshotAsync(WorkspaceRecord ws, DateTimeOffset at, CancellationToken ct) =>
        File.Exists(_paths.Volume(ws.WorkspaceId))
            ? SnapshotAsync(ws.WorkspaceId, at, ct)
            : throw new InvalidOperationException($"{ws.WorkspaceId} has no user volume on this host to snapshot");

    /// <summary>The root volume is the read-only system every session starts from: restoring it is starting clean;
    /// the user volume comes back from the last snapshot, as for a rebuild.</summary>
    public Task RestoreAsync(WorkspaceRecord ws, CancellationToken ct) => RebuildAsync(ws, ct);

    /// <summary>Takes a snapshot of the user volume (tar, owners and modes kept; 0600 in a 0700 folder) and keeps
    /// the last three. A stopped workspace's volume is mounted for the time it takes.</summary>
    public async Task<string> SnapshotAsync(string workspaceId, DateTimeOffset at, CancellationToken ct = default)
    {
        using var held = await _locks.LockAsync(workspaceId, ct);
        var mounted = await _volumes.DeviceOfAsync(workspaceId, ct) is not null;
        if (!mounted)
            await _volumes.MountAsync(workspaceId, ct);
        try
        {
            var dir = _paths.Snapshots(workspaceId);
            DesktopPaths.CreatePrivate(dir);
            var file = Path.Combine(dir, $"{at:yyyyMMddTHHmmssfff}.tar");
            // A snapshot can take what the volume holds: never into the disk's reserve.
            await _volumes.EnsureRoomAsync(await _volumes.AllocatedAsync(workspaceId, ct), ct);
            try
            {
                await _volumes.ArchiveAsync(workspaceId, file + ".tmp", ct);
                File.Move(file + ".tmp", file, overwrite: true);
            }
            catch
            {
                File.Delete(file + ".tmp");
                throw;
            }
            foreach (var old in Directory.GetFiles(dir, "*.tar").OrderDescending().Skip(3))
                File.Delete(old);
            return file;
        }
        finally
        {
            if (!mounted)
                await _volumes.UnmountAsync(workspaceId, CancellationToken.None);
        }
    }

    public string? LastSnapshot(string workspaceId) =>
        Directory.Exists(_paths.Snapshots(workspaceId))
            ? Directory.GetFiles(_paths.Snapshots(workspaceId), "*.tar").OrderDescending().FirstOrDefault()
            : null;

    /// <summary>Ends the sessions of the layout before this one (DATA/desktops/run/ID.pid, next to a socket folder
    /// of the tenant's) and removes that folder; the monitor then restarts their workspaces in this sandbox.</summary>
    public Task EndLegacySessionsAsync() => _processes.EndLegacySessionsAsync();

    public async Task<bool> IsMountedAsync(string workspaceId, CancellationToken ct) =>
        await _volumes.DeviceOfAsync(workspaceId, ct) is not null;

    public Task<bool> VolumeFailedAsync(string workspaceId, CancellationToken ct) =>
        _volumes.HasFailedAsync(workspaceId, ct);

    public Task<long> FreeDiskBytesAsync(CancellationToken ct) => _meter.FreeBytesAsync(ct);

    /// <summary>Whether the session's processes are there (its sandbox runs).</summary>
    public bool IsRunning(string workspaceId) => _processes.SandboxPid(workspaceId) is not null;

    /// <summary>Whether the desktop answers the RFB handshake within the timeout.</summary>
    public async Task<bool> ProbeAsync(string workspaceId, TimeSpan timeout, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            using var socket = await ConnectAsync(workspaceId, cts.Token);
            if (socket is null)
                return false;
            var banner = new byte[12];
            var n = 0;
            while (n < banner.Length)
            {
                var r = await socket.ReceiveAsync(banner.AsMemory(n), SocketFlags.None, cts.Token);
                if (r == 0)
                    break;
                n += r;
            }
            return n == 12 && Encoding.ASCII.GetString(banner).StartsWith("RFB ", StringComparison.Ordinal);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// A connection to the workspace's desktop (its RFB server), or null when it is not running or not
    /// listening. The socket is reached through the sandbox's own root (/proc/INIT/root), where only its last
    /// component is the tenant's; links are refused and the listener must run as the workspace's account.
    /// </summary>
    public async Task<Socket?> ConnectAsync(string workspaceId, CancellationToken ct)
    {
        if (
            _processes.SandboxPid(workspaceId) is not { } pid
            || SessionProcesses.Children(pid).FirstOrDefault() is not (> 0 and var init)
        )
            return null;
        if (await _accounts.IdsAsync(workspaceId, ct) is not { } ids)
            return null;
        var outcome = await VncEndpoint.ConnectAsync($"/proc/{init}/root{SandboxCommand.VncSocket}", ids.Uid, ct);
        if (outcome.Refusal is { } why)
            _log.LogWarning("Refused to connect to the desktop of {Workspace}: {Reason}", workspaceId, why);
        return outcome.Socket;
    }

    private int VolumeGibOf(WorkspaceRecord ws) =>
        ws.UserVolumeSizeGib ?? _bundles.Find(ws.BundleId)?.UserGib ?? DefaultVolumeGib;

    private async Task StartSessionAsync(WorkspaceRecord ws, CancellationToken ct)
    {
        var id = ws.WorkspaceId;
        if (await ProbeAsync(id, ReadyProbeTimeout, ct))
            return; // idempotent: a transition run again after a crash
        await StopSessionAsync(id);
        var (uid, gid) = await _accounts.EnsureAsync(id, ct);
        await PrepareVolumeAsync(ws, uid, gid, ct);
        var folder = WriteSessionFiles(ws, uid, gid);
        using var process = LaunchSandbox(ws, folder, uid, gid);
        await _processes.RecordAsync(id, process.Id, ct);
        await WaitUntilReadyAsync(id, process, ct);
    }

    /// <summary>Mounts the user volume on the home, creating it first if there is none; a home from before user
    /// volumes is set aside and imported into a new volume.</summary>
    private async Task PrepareVolumeAsync(WorkspaceRecord ws, uint uid, uint gid, CancellationToken ct)
    {
        var id = ws.WorkspaceId;
        var legacy = _volumes.SetLegacyHomeAside(id, await IsMountedAsync(id, ct));
        if (legacy is not null)
            await _volumes.UnmountAsync(id, ct);
        if (!_volumes.Exists(id) || legacy is not null)
            await _volumes.CreateAsync(id, VolumeGibOf(ws), uid, gid, ct);
        await _volumes.MountAsync(id, ct);
        if (legacy is not null)
            await _volumes.ImportLegacyHomeAsync(id, legacy, ct);
    }

    /// <summary>Writes the sandbox's arguments and generated files into the session folder, made private first;
    /// returns the folder.</summary>
    private string WriteSessionFiles(WorkspaceRecord ws, uint uid, uint gid)
    {
        var id = ws.WorkspaceId;
        var folder = _paths.Session(id);
        DesktopPaths.CreatePrivate(folder);
        SandboxCommand.WriteFiles(
            folder,
            new SandboxCommand.Session(
                id,
                ws.UserName,
                ws.ComputerName,
                _bundles.Find(ws.BundleId)?.ScreenSize ?? "1280x800",
                uid,
                gid,
                _paths.Home(id)
            )
        );
        return folder;
    }

    /// <summary>Starts the launcher (see <see cref="SandboxCommand.Launcher"/>) with the session's cgroups and
    /// limits, which then becomes the session's bwrap.</summary>
    private Process LaunchSandbox(WorkspaceRecord ws, string folder, uint uid, uint gid)
    {
        var cgroups = _limits.Prepare(ws.WorkspaceId, ws.ComputeTypeName);
        // RLIMIT_NPROC (per account, so per desktop) backs the pids cgroup where there is none; a little above it,
        // so that the cgroup acts first where there is.
        var processes = CgroupLimits.ProcessesOf(ws.ComputeTypeName) * 9 / 8;

        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (
            var a in new[]
            {
                "-c",
                SandboxCommand.Launcher,
                "launcher",
                folder,
                $"{processes}:{processes}",
                $"{OpenFiles}:{OpenFiles}",
                string.Join(' ', cgroups),
            }.Concat(SandboxCommand.Command(uid, gid))
        )
            psi.ArgumentList.Add(a);
        return Process.Start(psi) ?? throw new InvalidOperationException("could not start the desktop sandbox");
    }

    /// <summary>Waits for the desktop to answer the RFB handshake; a session that exits first, or does not answer
    /// in time, fails the start (and one that does not answer is stopped).</summary>
    private async Task WaitUntilReadyAsync(string id, Process process, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        while (started.Elapsed < ReadyTimeout)
        {
            if (await ProbeAsync(id, ReadyProbeTimeout, ct))
            {
                _log.LogInformation("The desktop of {Workspace} answered in {Ms} ms", id, started.ElapsedMilliseconds);
                return;
            }
            if (process.HasExited)
                throw new InvalidOperationException(
                    $"the desktop session exited with code {process.ExitCode} before it was ready"
                );
            await Task.Delay(100, ct);
        }
        await StopSessionAsync(id);
        throw new TimeoutException("the desktop did not answer the RFB handshake in time");
    }

    /// <summary>Kills the sandbox's init (PID 1 of its namespace): the kernel then ends every process in it.</summary>
    private async Task StopSessionAsync(string workspaceId)
    {
        await _processes.EndAsync(workspaceId);
        await _limits.RemoveAsync(workspaceId);
    }
}
