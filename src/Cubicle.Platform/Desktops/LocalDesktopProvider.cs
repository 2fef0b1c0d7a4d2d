using System.Collections.Concurrent;
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
    private readonly UserVolumes _volumes;
    private readonly CgroupLimits _limits;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new();
    private readonly ConcurrentDictionary<string, (uint Uid, uint Gid)> _accounts = new();

    public LocalDesktopProvider(LocalDesktopOptions options, BundleCatalog bundles, ILogger<LocalDesktopProvider> log)
    {
        _options = options;
        _bundles = bundles;
        _log = log;
        _paths = new DesktopPaths(options.DataPath);
        _volumes = new UserVolumes(_paths, log);
        _limits = new CgroupLimits(log);
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
    public DesktopPaths Paths => _paths;

    public string HomeOf(string workspaceId) => _paths.Home(workspaceId);

    /// <summary>The Linux account of a workspace (ids are at most 32 characters).</summary>
    public static string AccountOf(string workspaceId) => "cub-" + workspaceId[3..Math.Min(workspaceId.Length, 31)];

    public async Task ProvisionAsync(WorkspaceRecord ws, CancellationToken ct)
    {
        using var held = await LockAsync(ws.WorkspaceId, ct);
        await StartSessionAsync(ws, ct);
    }

    public async Task StartAsync(WorkspaceRecord ws, CancellationToken ct)
    {
        using var held = await LockAsync(ws.WorkspaceId, ct);
        await StartSessionAsync(ws, ct);
    }

    public async Task StopAsync(WorkspaceRecord ws, CancellationToken ct)
    {
        using var held = await LockAsync(ws.WorkspaceId, ct);
        await StopSessionAsync(ws.WorkspaceId);
        await _volumes.UnmountAsync(ws.WorkspaceId, ct);
    }

    public async Task RebootAsync(WorkspaceRecord ws, CancellationToken ct)
    {
        using var held = await LockAsync(ws.WorkspaceId, ct);
        await StopSessionAsync(ws.WorkspaceId);
        await StartSessionAsync(ws, ct);
    }

    /// <summary>As the seed describes: the user volume comes back from the last snapshot (into a fresh volume, so
    /// nothing of the old one is walked as root), then a clean session starts.</summary>
    public async Task RebuildAsync(WorkspaceRecord ws, CancellationToken ct)
    {
        using var held = await LockAsync(ws.WorkspaceId, ct);
        await StopSessionAsync(ws.WorkspaceId);
        var (uid, gid) = await EnsureAccountAsync(ws.WorkspaceId, ct);
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
        using var held = await LockAsync(ws.WorkspaceId, ct);
        await StopSessionAsync(ws.WorkspaceId);
        await _volumes.DeleteAsync(ws.WorkspaceId, ct);
        var account = AccountOf(ws.WorkspaceId);
        if ((await HostCommand.RunAsync("id", ["-u", account], ct)).ExitCode == 0)
            await HostCommand.CheckAsync("userdel", [account], ct);
        _accounts.TryRemove(ws.WorkspaceId, out _);
        foreach (var dir in new[] { _paths.Session(ws.WorkspaceId), _paths.Snapshots(ws.WorkspaceId) })
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
    }

    /// <summary>Applies the workspace's current properties: a larger UserVolumeSizeGib grows the volume (online
    /// when the desktop runs), and the compute type's CPU and memory limits are written again.</summary>
    public async Task ModifyAsync(WorkspaceRecord ws, CancellationToken ct)
    {
        using var held = await LockAsync(ws.WorkspaceId, ct);
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
        using var held = await LockAsync(workspaceId, ct);
        var mounted = await _volumes.DeviceOfAsync(workspaceId, ct) is not null;
        if (!mounted)
            await _volumes.MountAsync(workspaceId, ct);
        try
        {
            var dir = _paths.Snapshots(workspaceId);
            DesktopPaths.CreatePrivate(dir);
            var file = Path.Combine(dir, $"{at:yyyyMMddTHHmmssfff}.tar");
            // Snapshots share the volumes' disk: one is taken only while the volumes' promises still hold after it.
            await _volumes.EnsureRoomAsync(
                workspaceId,
                await _volumes.AllocatedAsync(workspaceId, ct),
                countOwn: true,
                ct
            );
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
    public async Task EndLegacySessionsAsync()
    {
        var run = Path.Combine(_paths.Root, "run");
        if (!Directory.Exists(run))
            return;
        foreach (var pidFile in Directory.GetFiles(run, "*.pid"))
        {
            var folder = Path.Combine(run, Path.GetFileNameWithoutExtension(pidFile));
            if (!int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid))
                continue;
            try
            {
                if (
                    !File.ReadAllText($"/proc/{pid}/cmdline").StartsWith("bwrap\0", StringComparison.Ordinal)
                    || !File.ReadAllText($"/proc/{pid}/cmdline").Contains(folder)
                )
                    continue;
            }
            catch (IOException)
            {
                continue;
            }
            _log.LogInformation(
                "Ending the session of {Workspace} started by an older version",
                Path.GetFileName(folder)
            );
            await KillSandboxAsync(pid);
        }
        // The sessions are gone: nothing swaps a folder for a link meanwhile (and links are removed, never followed).
        Directory.Delete(run, recursive: true);
    }

    public async Task<bool> IsMountedAsync(string workspaceId, CancellationToken ct) =>
        await _volumes.DeviceOfAsync(workspaceId, ct) is not null;

    /// <summary>Whether the session's processes are there (its sandbox runs).</summary>
    public bool IsRunning(string workspaceId) => SandboxPid(workspaceId) is not null;

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
        if (SandboxPid(workspaceId) is not { } pid || Children(pid).FirstOrDefault() is not (> 0 and var init))
            return null;
        if (await AccountIdsAsync(workspaceId, ct) is not { } ids)
            return null;
        var outcome = await VncEndpoint.ConnectAsync($"/proc/{init}/root{SandboxCommand.VncSocket}", ids.Uid, ct);
        if (outcome.Refusal is { } why)
            _log.LogWarning("Refused to connect to the desktop of {Workspace}: {Reason}", workspaceId, why);
        return outcome.Socket;
    }

    private int VolumeGibOf(WorkspaceRecord ws) =>
        ws.UserVolumeSizeGib ?? _bundles.Find(ws.BundleId)?.UserGib ?? DefaultVolumeGib;

    private async Task<(uint Uid, uint Gid)> EnsureAccountAsync(string workspaceId, CancellationToken ct)
    {
        if (await AccountIdsAsync(workspaceId, ct) is { } ids)
            return ids;
        // The host account cannot log in: the session has a passwd of its own.
        await HostCommand.CheckAsync(
            "useradd",
            [
                "--system",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                "--user-group",
                AccountOf(workspaceId),
            ],
            ct
        );
        return await AccountIdsAsync(workspaceId, ct) ?? throw new InvalidOperationException("useradd made no account");
    }

    private async Task<(uint Uid, uint Gid)?> AccountIdsAsync(string workspaceId, CancellationToken ct)
    {
        if (_accounts.TryGetValue(workspaceId, out var known))
            return known;
        var account = AccountOf(workspaceId);
        var uid = await HostCommand.RunAsync("id", ["-u", account], ct);
        var gid = await HostCommand.RunAsync("id", ["-g", account], ct);
        if (uid.ExitCode != 0 || gid.ExitCode != 0)
            return null;
        var ids = (uint.Parse(uid.Output.Trim()), uint.Parse(gid.Output.Trim()));
        _accounts[workspaceId] = ids;
        return ids;
    }

    private async Task StartSessionAsync(WorkspaceRecord ws, CancellationToken ct)
    {
        var id = ws.WorkspaceId;
        if (await ProbeAsync(id, ReadyProbeTimeout, ct))
            return; // idempotent: a transition run again after a crash
        await StopSessionAsync(id);
        var (uid, gid) = await EnsureAccountAsync(id, ct);
        var legacy = _volumes.SetLegacyHomeAside(id, await IsMountedAsync(id, ct));
        if (legacy is not null)
            await _volumes.UnmountAsync(id, ct);
        if (!_volumes.Exists(id) || legacy is not null)
            await _volumes.CreateAsync(id, VolumeGibOf(ws), uid, gid, ct);
        await _volumes.MountAsync(id, ct);
        if (legacy is not null)
            await _volumes.ImportLegacyHomeAsync(id, legacy, ct);

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
        var cgroups = _limits.Prepare(id, ws.ComputeTypeName);
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
        using var process =
            Process.Start(psi) ?? throw new InvalidOperationException("could not start the desktop sandbox");
        await File.WriteAllTextAsync(_paths.PidFile(id), $"{process.Id} {StartTimeOf(process.Id)}", ct);

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
        if (SandboxPid(workspaceId) is { } bwrap)
            await KillSandboxAsync(bwrap);
        if (File.Exists(_paths.PidFile(workspaceId)))
            File.Delete(_paths.PidFile(workspaceId));
        await _limits.RemoveAsync(workspaceId);
    }

    private static async Task KillSandboxAsync(int bwrap)
    {
        var init = Children(bwrap).FirstOrDefault();
        try
        {
            Process.GetProcessById(init > 0 ? init : bwrap).Kill();
        }
        catch (ArgumentException) { }
        catch (InvalidOperationException) { }
        for (var i = 0; i < 250 && StartTimeOf(bwrap) is not null; i++)
            await Task.Delay(20);
    }

    /// <summary>The bwrap process of the workspace's session, if it is still that process (same start time).</summary>
    private int? SandboxPid(string workspaceId)
    {
        try
        {
            var parts = File.ReadAllText(_paths.PidFile(workspaceId)).Split(' ');
            return parts.Length == 2 && int.TryParse(parts[0], out var pid) && StartTimeOf(pid) == parts[1]
                ? pid
                : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>When the process started (field 22 of /proc/PID/stat), which tells it apart from a later one
    /// that got the same pid; null when there is no such process.</summary>
    private static string? StartTimeOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[0] == "Z" ? null : fields[19];
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static int[] Children(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/task/{pid}/children")
                .Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(int.Parse)
                .ToArray();
        }
        catch (IOException)
        {
            return [];
        }
    }

    /// <summary>Transitions, snapshots and modifications of one workspace run one at a time.</summary>
    private async Task<IDisposable> LockAsync(string workspaceId, CancellationToken ct)
    {
        var gate = _locks.GetOrAdd(workspaceId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        return new Release(gate);
    }

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
                gate.Release();
        }
    }
}
