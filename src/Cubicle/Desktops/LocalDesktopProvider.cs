using System.Diagnostics;
using System.Net.Sockets;
using Cubicle.Bundles;
using Cubicle.Storage;
using Microsoft.Extensions.Logging;

namespace Cubicle.Desktops;

public sealed class LocalDesktopOptions
{
    public string DataPath { get; set; } = "./data";
    /// <summary>Desktops this host runs at once; past it, creates and starts fail for the extra items.</summary>
    public int MaxDesktops { get; set; } = 8;
    /// <summary>How often the user volume of each workspace is snapshotted (the seed: every 12 hours).</summary>
    public double SnapshotHours { get; set; } = 12;
}

/// <summary>
/// Each workspace is a Linux desktop on this host: a Linux account of its own, its home (the user volume)
/// under DATA/desktops/homes, and a session (Xvnc with its VNC endpoint on a private Unix socket, icewm and
/// xterm) in a bubblewrap sandbox with its own PID, IPC and UTS namespaces, running as that account with no
/// capabilities. Sessions are detached from the server, so a restart adopts them instead of killing them.
/// </summary>
public sealed class LocalDesktopProvider(LocalDesktopOptions options, BundleCatalog bundles, ILogger<LocalDesktopProvider> log) : IDesktopProvider
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(20);
    private readonly CgroupLimits Limits = new(log);
    private string Root => Path.Combine(Path.GetFullPath(options.DataPath), "desktops");

    public TimeSpan TransitionDelay => TimeSpan.Zero;
    public int? Capacity => options.MaxDesktops;

    public string HomeOf(string workspaceId) => Path.Combine(Root, "homes", workspaceId);
    public string SocketOf(string workspaceId) => Path.Combine(Root, "run", workspaceId, "vnc.sock");
    private string RunDir(string workspaceId) => Path.Combine(Root, "run", workspaceId);
    private string PidFile(string workspaceId) => Path.Combine(Root, "run", workspaceId + ".pid");
    public string SnapshotDir(string workspaceId) => Path.Combine(Root, "snapshots", workspaceId);

    /// <summary>The Linux account of a workspace (ids are at most 32 characters).</summary>
    public static string AccountOf(string workspaceId) => "cub-" + workspaceId[3..Math.Min(workspaceId.Length, 31)];

    public async Task ProvisionAsync(WorkspaceRecord ws, CancellationToken ct)
    {
        await EnsureAccountAsync(ws, ct);
        await StartSessionAsync(ws, ct);
    }

    public Task StartAsync(WorkspaceRecord ws, CancellationToken ct) => StartSessionAsync(ws, ct);

    public Task StopAsync(WorkspaceRecord ws, CancellationToken ct) => StopSessionAsync(ws.WorkspaceId);

    public async Task RebootAsync(WorkspaceRecord ws, CancellationToken ct)
    {
        await StopSessionAsync(ws.WorkspaceId);
        await StartSessionAsync(ws, ct);
    }

    /// <summary>As the seed describes: the user volume comes back from the last snapshot, then a clean session starts.</summary>
    public async Task RebuildAsync(WorkspaceRecord ws, CancellationToken ct)
    {
        await StopSessionAsync(ws.WorkspaceId);
        var last = LastSnapshot(ws.WorkspaceId);
        var home = HomeOf(ws.WorkspaceId);
        if (Directory.Exists(home)) Directory.Delete(home, recursive: true);
        await EnsureAccountAsync(ws, ct);
        if (last is not null) await RunAsync("tar", ["-C", home, "-xpf", last], ct);
        await StartSessionAsync(ws, ct);
    }

    public async Task TerminateAsync(WorkspaceRecord ws, CancellationToken ct)
    {
        await StopSessionAsync(ws.WorkspaceId);
        var account = AccountOf(ws.WorkspaceId);
        if (await RunAsync("id", ["-u", account], ct, check: false) == 0)
            await RunAsync("userdel", [account], ct);
        foreach (var dir in new[] { HomeOf(ws.WorkspaceId), RunDir(ws.WorkspaceId), SnapshotDir(ws.WorkspaceId) })
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    public Task SnapshotAsync(WorkspaceRecord ws, DateTimeOffset at, CancellationToken ct) =>
        Directory.Exists(HomeOf(ws.WorkspaceId)) ? SnapshotAsync(ws.WorkspaceId, at, ct) : Task.CompletedTask;

    /// <summary>The root volume is the read-only system every session starts from: restoring it is starting clean; the
    /// user volume comes back from the last snapshot, as for a rebuild.</summary>
    public Task RestoreAsync(WorkspaceRecord ws, CancellationToken ct) => RebuildAsync(ws, ct);

    /// <summary>Takes a snapshot of the user volume (tar, owners and modes kept) and keeps the last three.</summary>
    public async Task<string> SnapshotAsync(string workspaceId, DateTimeOffset at, CancellationToken ct = default)
    {
        var dir = SnapshotDir(workspaceId);
        Directory.CreateDirectory(dir);
        var file = Path.Combine(dir, $"{at:yyyyMMddTHHmmssfff}.tar");
        await RunAsync("tar", ["-C", HomeOf(workspaceId), "-cpf", file + ".tmp", "."], ct);
        File.Move(file + ".tmp", file, overwrite: true);
        foreach (var old in Directory.GetFiles(dir, "*.tar").OrderDescending().Skip(3)) File.Delete(old);
        return file;
    }

    public string? LastSnapshot(string workspaceId) =>
        Directory.Exists(SnapshotDir(workspaceId)) ? Directory.GetFiles(SnapshotDir(workspaceId), "*.tar").OrderDescending().FirstOrDefault() : null;

    /// <summary>Opens the workspace's VNC socket for the browser bridge.</summary>
    public async Task<Socket> ConnectAsync(string workspaceId, CancellationToken ct)
    {
        var vnc = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await vnc.ConnectAsync(new UnixDomainSocketEndPoint(SocketOf(workspaceId)), ct);
            return vnc;
        }
        catch
        {
            vnc.Dispose();
            throw;
        }
    }

    /// <summary>Whether the workspace's session is running and its desktop answers the RFB handshake.</summary>
    public bool IsAlive(string workspaceId) => SandboxPid(workspaceId) is not null && AnswersRfb(SocketOf(workspaceId));

    private async Task EnsureAccountAsync(WorkspaceRecord ws, CancellationToken ct)
    {
        var account = AccountOf(ws.WorkspaceId);
        if (await RunAsync("id", ["-u", account], ct, check: false) != 0)
            await RunAsync("useradd", ["--system", "--no-create-home", "--home-dir", "/home/user", "--shell", "/bin/sh", "--user-group", account], ct);
        foreach (var dir in new[] { HomeOf(ws.WorkspaceId), RunDir(ws.WorkspaceId) })
        {
            Directory.CreateDirectory(dir);
            await RunAsync("chown", [$"{account}:{account}", dir], ct);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private async Task StartSessionAsync(WorkspaceRecord ws, CancellationToken ct)
    {
        if (IsAlive(ws.WorkspaceId)) return; // idempotent: a transition run again after a crash
        await StopSessionAsync(ws.WorkspaceId);
        await EnsureAccountAsync(ws, ct);
        var account = AccountOf(ws.WorkspaceId);
        var uid = (await OutputAsync("id", ["-u", account], ct)).Trim();
        var gid = (await OutputAsync("id", ["-g", account], ct)).Trim();
        var geometry = bundles.Find(ws.BundleId)?.ScreenSize ?? "1280x800";
        var script = Path.Combine(Root, "session.sh");
        await File.WriteAllTextAsync(script, SessionScript, ct);
        var socket = SocketOf(ws.WorkspaceId);
        if (File.Exists(socket)) File.Delete(socket);

        // The session joins its cgroups (CPU and memory of its compute type) before anything of it starts, then
        // setsid detaches it from the server (a restart adopts it); sh, setsid and bwrap are one process, the pid we keep.
        var cgroups = Limits.Prepare(ws.WorkspaceId, ws.ComputeTypeName);
        var psi = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true, RedirectStandardOutput = false, RedirectStandardError = false, UseShellExecute = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(string.Concat(cgroups.Select(c => $"echo $$ > '{c}/cgroup.procs'; ")) + "exec setsid \"$@\"");
        psi.ArgumentList.Add("session");
        foreach (var a in new[]
        {
            "bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--perms", "1777", "--tmpfs", "/tmp",
            "--tmpfs", "/run", "--tmpfs", "/var/tmp", "--tmpfs", "/home",
            "--bind", HomeOf(ws.WorkspaceId), "/home/user", "--bind", RunDir(ws.WorkspaceId), "/run/cubicle",
            "--ro-bind", script, "/run/session.sh",
            "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--hostname", ws.ComputerName ?? "workspace",
            "--setenv", "HOME", "/home/user", "--setenv", "USER", ws.UserName, "--setenv", "GEOMETRY", geometry, "--chdir", "/home/user",
            "setpriv", "--reuid", uid, "--regid", gid, "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs",
            "/bin/sh", "/run/session.sh",
        }) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the desktop sandbox");
        process.StandardInput.Close();
        await File.WriteAllTextAsync(PidFile(ws.WorkspaceId), process.Id.ToString(), ct);

        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (AnswersRfb(socket)) return;
            if (process.HasExited) throw new InvalidOperationException($"the desktop session exited with code {process.ExitCode} before it was ready");
            await Task.Delay(50, ct);
        }
        await StopSessionAsync(ws.WorkspaceId);
        throw new TimeoutException("the desktop did not answer the RFB handshake in time");
    }

    /// <summary>Kills the sandbox's init (PID 1 of its namespace): the kernel then ends every process in it.</summary>
    private async Task StopSessionAsync(string workspaceId)
    {
        if (SandboxPid(workspaceId) is { } bwrap)
        {
            var init = Children(bwrap).FirstOrDefault();
            try { if (init > 0) Process.GetProcessById(init).Kill(); else Process.GetProcessById(bwrap).Kill(); } catch (ArgumentException) { }
            for (var i = 0; i < 100 && Directory.Exists($"/proc/{bwrap}"); i++) await Task.Delay(20);
        }
        if (File.Exists(PidFile(workspaceId))) File.Delete(PidFile(workspaceId));
        if (File.Exists(SocketOf(workspaceId))) File.Delete(SocketOf(workspaceId));
        Limits.Remove(workspaceId);
    }

    /// <summary>The session's CPU and memory limits from its compute type, through cgroups (v1 cpu and memory
    /// controllers, or v2). Where neither can be written, sessions run without limits (README says so).</summary>
    public sealed class CgroupLimits(ILogger log)
    {
        private const string Root = "/sys/fs/cgroup";
        private bool _warned;

        public static (int VCpus, int MemoryMiB) Of(string? compute) => compute switch
        {
            "VALUE" => (1, 2048),
            "STANDARD" => (2, 4096),
            "PERFORMANCE" => (2, 8192),
            "POWER" => (4, 16384),
            "POWERPRO" => (8, 32768),
            "GENERALPURPOSE_4XLARGE" => (16, 65536),
            _ => (2, 4096),
        };

        /// <summary>Creates the workspace's cgroups with their limits; returns the folders to join.</summary>
        public List<string> Prepare(string workspaceId, string? compute)
        {
            var (cpus, mib) = Of(compute);
            try
            {
                if (File.Exists($"{Root}/cgroup.controllers"))
                {
                    var dir = $"{Root}/cubicle/{workspaceId}";
                    Directory.CreateDirectory(dir);
                    TryWrite($"{Root}/cubicle/cgroup.subtree_control", "+cpu +memory");
                    File.WriteAllText($"{dir}/memory.max", (mib * 1024L * 1024).ToString());
                    File.WriteAllText($"{dir}/cpu.max", $"{cpus * 100000} 100000");
                    return [dir];
                }
                if (Directory.Exists($"{Root}/memory") && Directory.Exists($"{Root}/cpu"))
                {
                    var mem = $"{Root}/memory/cubicle/{workspaceId}";
                    var cpu = $"{Root}/cpu/cubicle/{workspaceId}";
                    Directory.CreateDirectory(mem);
                    Directory.CreateDirectory(cpu);
                    File.WriteAllText($"{mem}/memory.limit_in_bytes", (mib * 1024L * 1024).ToString());
                    File.WriteAllText($"{cpu}/cpu.cfs_period_us", "100000");
                    File.WriteAllText($"{cpu}/cpu.cfs_quota_us", (cpus * 100000).ToString());
                    return [mem, cpu];
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                if (!_warned) log.LogWarning("Cannot set cgroup limits ({Error}): desktops run without CPU and memory limits", ex.Message);
                _warned = true;
            }
            return [];
        }

        public void Remove(string workspaceId)
        {
            foreach (var dir in new[] { $"{Root}/cubicle/{workspaceId}", $"{Root}/memory/cubicle/{workspaceId}", $"{Root}/cpu/cubicle/{workspaceId}" })
                try { if (Directory.Exists(dir)) Directory.Delete(dir); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }

        private static void TryWrite(string path, string value)
        {
            try { File.WriteAllText(path, value); } catch (IOException) { }
        }
    }

    /// <summary>The bwrap process of the workspace's session, if it is still that process.</summary>
    private int? SandboxPid(string workspaceId)
    {
        var file = PidFile(workspaceId);
        if (!File.Exists(file) || !int.TryParse(File.ReadAllText(file).Trim(), out var pid)) return null;
        try
        {
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            return cmdline.StartsWith("bwrap\0", StringComparison.Ordinal) && cmdline.Contains(RunDir(workspaceId)) ? pid : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static int[] Children(int pid)
    {
        try { return File.ReadAllText($"/proc/{pid}/task/{pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray(); }
        catch (IOException) { return []; }
    }

    public static bool AnswersRfb(string socketPath)
    {
        if (!File.Exists(socketPath)) return false;
        try
        {
            using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            s.ReceiveTimeout = 1000;
            s.Connect(new UnixDomainSocketEndPoint(socketPath));
            var banner = new byte[12];
            var n = 0;
            while (n < 12) { var r = s.Receive(banner, n, 12 - n, SocketFlags.None); if (r == 0) break; n += r; }
            return n == 12 && System.Text.Encoding.ASCII.GetString(banner).StartsWith("RFB ", StringComparison.Ordinal);
        }
        catch (SocketException) { return false; }
    }

    private async Task<int> RunAsync(string file, string[] args, CancellationToken ct, bool check = true)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = await p.StandardError.ReadToEndAsync(ct);
        await p.StandardOutput.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        if (check && p.ExitCode != 0)
        {
            log.LogWarning("{File} {Args} failed: {Error}", file, string.Join(' ', args), err.Trim());
            throw new InvalidOperationException($"{file} failed: {err.Trim()}");
        }
        return p.ExitCode;
    }

    private static async Task<string> OutputAsync(string file, string[] args, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        return output;
    }

    // Xvnc with its VNC endpoint on a private Unix socket only (auth is the server's), then the window manager and a terminal.
    private const string SessionScript = """
        Xvnc :0 -rfbunixpath /run/cubicle/vnc.sock -rfbunixmode 0600 -rfbport -1 -nolisten tcp -nolisten local \
          -geometry "$GEOMETRY" -depth 24 -SecurityTypes None -UseBlacklist=0 -desktop "$USER" >/tmp/xvnc.log 2>&1 &
        X=$!
        i=0; while [ ! -S /run/cubicle/vnc.sock ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
        export DISPLAY=:0
        icewm-session >/dev/null 2>&1 &
        xterm >/dev/null 2>&1 &
        wait $X
        """;
}
