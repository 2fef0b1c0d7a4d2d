using System.Text.RegularExpressions;

namespace Cubicle.Desktops;

/// <summary>
/// The sandbox a session runs in, built from nothing rather than from the host's root: the system read-only
/// (/usr and its merged-usr links, the few parts of /etc a desktop needs, with a passwd and group of its own),
/// its home (the user volume), small private tmpfs for /tmp, /run, /var/tmp and /dev/shm, a private /proc,
/// and its own PID, IPC, UTS, cgroup and network namespaces (only lo: no way to the host or to other desktops).
/// Root sets it up, then the session drops to its account with no capabilities and no_new_privs, and enters a
/// user namespace of its own that cannot create more (bwrap --disable-userns). The arguments reach bwrap through
/// file descriptors, so neither its command line nor /proc/self/mountinfo shows a host path.
/// </summary>
public static partial class SandboxCommand
{
    /// <summary>Inside the sandbox: where Xvnc listens. /run is root's and read-only to the tenant, so only the
    /// socket itself (in a sticky folder) can be replaced, and the server never follows it.</summary>
    public const string VncSocket = "/run/vnc/vnc.sock";

    /// <summary>Parts of /etc the session's programs read (fonts, X and icewm settings, the dynamic linker,
    /// time zone, shell start-up). Nothing with secrets: no shadow, ssl, ssh, or the host's passwd.</summary>
    private static readonly string[] EtcEntries =
    [
        "X11",
        "fonts",
        "alternatives",
        "ld.so.cache",
        "ld.so.conf",
        "ld.so.conf.d",
        "localtime",
        "timezone",
        "nsswitch.conf",
        "profile",
        "profile.d",
        "bash.bashrc",
        "inputrc",
        "shells",
        "terminfo",
        "xdg",
        "locale.alias",
        "mime.types",
        "mailcap",
        "os-release",
        "debian_version",
        "vim",
        "gtk-3.0",
        "magic",
    ];

    /// <summary>File descriptors the launcher opens on the generated files, in this order, from 4.</summary>
    public static readonly string[] GeneratedFiles = ["passwd", "group", "hosts", "hostname"];

    /// <summary>/usr read-only, and /bin, /lib... as the host has them (links on merged-usr systems).</summary>
    public static IEnumerable<string> SystemMounts()
    {
        yield return "--ro-bind";
        yield return "/usr";
        yield return "/usr";
        foreach (var top in new[] { "bin", "sbin", "lib", "lib32", "lib64", "libx32" })
        {
            var info = new DirectoryInfo("/" + top);
            if (info.LinkTarget is { } target)
            {
                yield return "--symlink";
                yield return target;
                yield return "/" + top;
            }
            else if (info.Exists)
            {
                yield return "--ro-bind";
                yield return "/" + top;
                yield return "/" + top;
            }
        }
        yield return "--dir";
        yield return "/etc";
        yield return "--ro-bind-try";
        yield return "/etc/ld.so.cache";
        yield return "/etc/ld.so.cache";
    }

    public sealed record Session(
        string WorkspaceId,
        string UserName,
        string? ComputerName,
        string Geometry,
        uint Uid,
        uint Gid,
        string Home
    );

    /// <summary>Writes what the launcher hands to bwrap (arguments, passwd, group, hosts, hostname) into the
    /// session folder, which only root can open.</summary>
    public static void WriteFiles(string folder, Session s)
    {
        var user = LinuxName(s.UserName) ?? "user";
        var host = LinuxName(s.ComputerName ?? "") ?? "workspace";
        File.WriteAllText(
            Path.Combine(folder, "passwd"),
            $"root:x:0:0:root:/root:/usr/sbin/nologin\n{user}:x:{s.Uid}:{s.Gid}:{user}:/home/user:/bin/bash\n"
                + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
        );
        File.WriteAllText(Path.Combine(folder, "group"), $"root:x:0:\n{user}:x:{s.Gid}:\nnogroup:x:65534:\n");
        File.WriteAllText(Path.Combine(folder, "hosts"), $"127.0.0.1\tlocalhost\n127.0.1.1\t{host}\n::1\tlocalhost\n");
        File.WriteAllText(Path.Combine(folder, "hostname"), host + "\n");
        var args = Arguments(s, user, host);
        // Arguments are NUL-separated: one holding a NUL would smuggle options into bwrap, which runs as root.
        if (args.Any(a => a.Contains('\0')))
            throw new ArgumentException("A sandbox argument holds a NUL character.", nameof(s));
        // UTF-8 without a byte order mark, which bwrap would take for part of the first argument.
        File.WriteAllText(Path.Combine(folder, "sandbox.args"), string.Concat(args.Select(a => a + "\0")));
    }

    /// <summary>All of bwrap's arguments, in the order it applies them: later mounts go over earlier ones.</summary>
    private static List<string> Arguments(Session s, string user, string host) =>
        [
            .. Namespaces(host),
            .. SessionEnvironment(s, user),
            .. SystemMounts(),
            .. EtcMounts(),
            .. GeneratedFileMounts(),
            .. KernelAndScratchMounts(),
            .. HomeMount(s.Home),
        ];

    /// <summary>Namespaces of its own (the network one holds only lo), a session with no controlling terminal,
    /// and the workspace's host name.</summary>
    private static string[] Namespaces(string host) =>
        [
            "--unshare-pid",
            "--unshare-ipc",
            "--unshare-uts",
            "--unshare-net",
            "--unshare-cgroup",
            "--new-session",
            "--hostname",
            host,
        ];

    /// <summary>Nothing of the launcher's environment: only what a login session sets, and the screen size.</summary>
    private static string[] SessionEnvironment(Session s, string user) =>
        [
            "--clearenv",
            "--setenv",
            "PATH",
            "/usr/local/bin:/usr/bin:/bin",
            "--setenv",
            "HOME",
            "/home/user",
            "--setenv",
            "USER",
            user,
            "--setenv",
            "LOGNAME",
            user,
            "--setenv",
            "SHELL",
            "/bin/bash",
            "--setenv",
            "LANG",
            "C.UTF-8",
            "--setenv",
            "GEOMETRY",
            s.Geometry,
        ];

    /// <summary>The listed parts of the host's /etc that exist, read-only (SystemMounts binds ld.so.cache).</summary>
    private static IEnumerable<string> EtcMounts() =>
        EtcEntries
            .Where(e => e != "ld.so.cache" && Path.Exists("/etc/" + e))
            .SelectMany(e => new[] { "--ro-bind", "/etc/" + e, "/etc/" + e });

    /// <summary>The session's own passwd, group, hosts and hostname, read from the launcher's descriptors.</summary>
    private static IEnumerable<string> GeneratedFileMounts() =>
        GeneratedFiles.SelectMany(
            (file, i) => new[] { "--perms", "0644", "--ro-bind-data", (4 + i).ToString(), "/etc/" + file }
        );

    /// <summary>A private /proc and /dev, the font cache read-only, and small tmpfs (each with its size limit)
    /// for /dev/shm, /tmp, /var/tmp and /run, where only the VNC socket's folder is the tenant's to write.</summary>
    private static string[] KernelAndScratchMounts() =>
        [
            "--dir",
            "/var",
            "--dir",
            "/var/cache",
            "--ro-bind-try",
            "/var/cache/fontconfig",
            "/var/cache/fontconfig",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--size",
            Mib(64),
            "--perms",
            "1777",
            "--tmpfs",
            "/dev/shm",
            "--size",
            Mib(256),
            "--perms",
            "1777",
            "--tmpfs",
            "/tmp",
            "--perms",
            "1777",
            "--dir",
            "/tmp/.X11-unix",
            "--size",
            Mib(64),
            "--perms",
            "1777",
            "--tmpfs",
            "/var/tmp",
            "--size",
            Mib(16),
            "--tmpfs",
            "/run",
            "--perms",
            "1777",
            "--dir",
            Path.GetDirectoryName(VncSocket)!,
        ];

    /// <summary>The user volume on /home/user; then the sandbox's own root (the folders made above) turns
    /// read-only, so the tenant writes only to its home and the tmpfs, and the session starts in its home.</summary>
    private static string[] HomeMount(string home) =>
        ["--dir", "/home", "--bind", home, "/home/user", "--remount-ro", "/", "--chdir", "/home/user"];

    /// <summary>What runs in the sandbox (bwrap takes the command from its command line, not from --args): the
    /// drop to the account, then a user namespace of its own in which no further one can be made.</summary>
    public static List<string> Command(uint uid, uint gid) =>
        [
            "setpriv",
            "--reuid",
            uid.ToString(),
            "--regid",
            gid.ToString(),
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--no-new-privs",
            "bwrap",
            "--unshare-user",
            "--disable-userns",
            "--dev-bind",
            "/",
            "/",
            "/bin/sh",
            "-c",
            SessionScript,
        ];

    private static string Mib(int mib) => (mib * 1024L * 1024).ToString();

    /// <summary>A name fit for passwd and hostname, or null.</summary>
    private static string? LinuxName(string name)
    {
        var clean = SafeName().Replace(name, "");
        return clean.Length is > 0 and <= 32 && clean is not ("root" or "nobody" or "nogroup") ? clean : null;
    }

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex SafeName();

    /// <summary>The launcher, run by root: joins the session's cgroups, sets its process and open-file limits,
    /// detaches it (a server restart adopts it) and starts bwrap with its arguments and files on descriptors.
    /// sh, setsid, prlimit and bwrap are one process: its pid is the one to keep. Nothing of the server's reaches
    /// the sandbox: no environment, and /dev/null for its standard streams.</summary>
    public const string Launcher = """
        d=$1; nproc=$2; nofile=$3; cgroups=$4; shift 4
        for c in $cgroups; do echo $$ > "$c/cgroup.procs" || exit 71; done
        exec setsid prlimit --nproc="$nproc" --nofile="$nofile" -- bwrap --args 3 "$@" \
          3<"$d/sandbox.args" 4<"$d/passwd" 5<"$d/group" 6<"$d/hosts" 7<"$d/hostname" </dev/null >/dev/null 2>&1
        """;

    // Xvnc with its VNC endpoint on a private Unix socket only (auth is the server's), then the window manager and
    // a terminal. The session ends when Xvnc does. Errors only in its log: a health probe every few seconds would
    // otherwise fill the session's small /tmp with connection lines.
    private const string SessionScript = """
        Xvnc :0 -rfbunixpath /run/vnc/vnc.sock -rfbunixmode 0600 -rfbport -1 -nolisten tcp -nolisten local \
          -geometry "$GEOMETRY" -depth 24 -SecurityTypes None -UseBlacklist=0 -Log '*:stderr:0' -desktop "$USER" \
          >/tmp/xvnc.log 2>&1 &
        X=$!
        i=0; while [ ! -S /run/vnc/vnc.sock ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
        export DISPLAY=:0
        icewm-session >/dev/null 2>&1 &
        xterm >/dev/null 2>&1 &
        wait $X
        """;
}
