using System.Diagnostics;
using Cubicle.Domain;
using Microsoft.Extensions.Logging;

namespace Cubicle.Desktops;

/// <summary>
/// The user volume of a desktop: a sparse ext4 image of UserVolumeSizeGib (DATA/desktops/volumes/ID.img, 0600),
/// loop-mounted nosuid,nodev on the session's home. Volumes are thin: their sizes are promised at the call, within
/// the host's stated oversubscription (<see cref="HostCapacity"/>); nothing is written once the disk's free space
/// has fallen into its reserve (<see cref="EnsureRoomAsync"/>). Mounts
/// outlive the server (a restart finds them mounted and leaves them be). Snapshots are tar archives made and
/// restored by a tar jailed in a sandbox that sees only the volume: whatever links the tenant planted, root
/// reads and writes nothing else.
/// </summary>
public sealed class UserVolumes(DesktopPaths paths, HostMeter meter, ILogger log)
{
    private const long GiB = 1L << 30;

    public bool Exists(string workspaceId) => File.Exists(paths.Volume(workspaceId));

    /// <summary>The loop device mounted on the workspace's home, or null when nothing is mounted there.</summary>
    public async Task<string?> DeviceOfAsync(string workspaceId, CancellationToken ct)
    {
        var r = await HostCommand.RunAsync(
            "findmnt",
            ["-n", "-o", "SOURCE", "--mountpoint", paths.Home(workspaceId)],
            ct
        );
        var source = r.Output.Trim();
        return r.ExitCode == 0 && source.Length > 0 ? source.Split('\n')[^1] : null;
    }

    /// <summary>Makes a fresh, empty volume of the given size whose root belongs to the account, replacing any
    /// volume there was (it must not be mounted).</summary>
    public async Task CreateAsync(string workspaceId, int sizeGib, uint uid, uint gid, CancellationToken ct)
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("local desktops need Linux");
        var image = paths.Volume(workspaceId);
        await EnsureRoomAsync(0, ct);
        var fresh = image + ".new";
        if (File.Exists(fresh))
            File.Delete(fresh);
        using (
            var f = new FileStream(
                fresh,
                new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                }
            )
        )
            f.SetLength(sizeGib * GiB); // sparse: the disk holds only what is written
        // No blocks reserved for root: the tenant gets the whole size; the root folder is the account's, 0700.
        await HostCommand.CheckAsync(
            "mkfs.ext4",
            ["-q", "-F", "-m", "0", "-L", "user-volume", "-E", $"root_owner={uid}:{gid}", fresh],
            ct
        );
        File.Move(fresh, image, overwrite: true); // a crash never leaves a half-made volume under the real name
        log.LogInformation("Created the {Size} GiB user volume of {Workspace}", sizeGib, workspaceId);
    }

    /// <summary>Mounts the volume on the home unless it is mounted already (a restart adopts the mount). A volume
    /// grown while it could not be resized online grows now; call it while no session uses the volume.</summary>
    public async Task MountAsync(string workspaceId, CancellationToken ct)
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("local desktops need Linux");
        var image = paths.Volume(workspaceId);
        if (await DeviceOfAsync(workspaceId, ct) is { } mounted)
        {
            if (!await GrowthPendingAsync(image, ct) || await TryGrowOnlineAsync(workspaceId, mounted, ct))
                return;
            await UnmountAsync(workspaceId, ct);
        }
        if (!File.Exists(image))
            throw new InvalidOperationException($"the user volume of {workspaceId} is missing");
        await DetachStaleLoopsAsync(image, ct);
        if (await GrowthPendingAsync(image, ct))
        {
            // resize2fs works offline only on a freshly checked file system.
            await HostCommand.CheckAsync("e2fsck", ["-f", "-p", image], ct);
            await HostCommand.CheckAsync("resize2fs", [image], ct);
            log.LogInformation("Grew the file system of the user volume of {Workspace}", workspaceId);
        }
        var home = paths.Home(workspaceId);
        DesktopPaths.CreatePrivate(home);
        // discard gives the space of deleted files back to the sparse image.
        await HostCommand.CheckAsync("mount", ["-t", "ext4", "-o", "loop,nosuid,nodev,discard", image, home], ct);
        if (File.GetUnixFileMode(home).HasFlag(UnixFileMode.OtherRead))
            File.SetUnixFileMode(home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Whether the image is larger than its file system (it was grown and the file system not yet).</summary>
    private static async Task<bool> GrowthPendingAsync(string image, CancellationToken ct)
    {
        var header = await HostCommand.RunAsync("dumpe2fs", ["-h", image], ct);
        long Field(string name) =>
            header
                .Output.Split('\n')
                .Where(l => l.StartsWith(name + ":", StringComparison.Ordinal))
                .Select(l => long.Parse(l[(name.Length + 1)..].Trim()))
                .FirstOrDefault();
        var bytes = Field("Block count") * Field("Block size");
        return header.ExitCode == 0 && bytes > 0 && bytes < new FileInfo(image).Length;
    }

    /// <summary>Grows the mounted file system to its device. The kernel allows it only with CAP_SYS_RESOURCE (some
    /// container hosts take it from root): without, the volume grows at its next mount.</summary>
    private async Task<bool> TryGrowOnlineAsync(string workspaceId, string device, CancellationToken ct)
    {
        await HostCommand.CheckAsync("losetup", ["-c", device], ct);
        var r = await HostCommand.RunAsync("resize2fs", [device], ct);
        if (r.ExitCode == 0)
            return true;
        log.LogWarning(
            "Cannot grow the user volume of {Workspace} while mounted ({Error}); it grows at next start",
            workspaceId,
            r.Error.Trim().Split('\n')[^1]
        );
        return false;
    }

    /// <summary>A loop device still bound to the image but mounted nowhere (a crash between attach and mount)
    /// is detached; mounting the image twice through two devices would corrupt it.</summary>
    private async Task DetachStaleLoopsAsync(string image, CancellationToken ct)
    {
        var r = await HostCommand.RunAsync("losetup", ["-n", "-O", "NAME", "-j", image], ct);
        var devices = r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var device in devices)
        {
            var mounted = await HostCommand.RunAsync("findmnt", ["-n", "--source", device], ct);
            if (mounted.ExitCode == 0)
                throw new InvalidOperationException($"the user volume {image} is mounted elsewhere ({device})");
            log.LogWarning("Detaching {Device}, left bound to {Image}", device, image);
            await HostCommand.RunAsync("losetup", ["-d", device], ct);
        }
    }

    public async Task UnmountAsync(string workspaceId, CancellationToken ct)
    {
        for (var attempt = 0; await DeviceOfAsync(workspaceId, ct) is not null; attempt++)
        {
            var r = await HostCommand.RunAsync("umount", [paths.Home(workspaceId)], ct);
            if (r.ExitCode == 0)
                continue;
            if (attempt < 10)
            {
                await Task.Delay(200, ct);
                continue;
            }
            // Busy past two seconds: detach it now, the kernel finishes when the last user lets go.
            log.LogWarning(
                "The user volume of {Workspace} is busy ({Error}); detaching it lazily",
                workspaceId,
                r.Error.Trim()
            );
            await HostCommand.CheckAsync("umount", ["-l", paths.Home(workspaceId)], ct);
        }
    }

    /// <summary>Grows the volume to the given size, online when it is mounted (else at its next mount); volumes
    /// never shrink.</summary>
    public async Task GrowAsync(string workspaceId, int sizeGib, CancellationToken ct)
    {
        var image = paths.Volume(workspaceId);
        if (!File.Exists(image) || new FileInfo(image).Length >= sizeGib * GiB)
            return;
        await EnsureRoomAsync(0, ct);
        using (var f = new FileStream(image, FileMode.Open, FileAccess.Write))
            f.SetLength(sizeGib * GiB);
        log.LogInformation("Grew the user volume of {Workspace} to {Size} GiB", workspaceId, sizeGib);
        if (await DeviceOfAsync(workspaceId, ct) is { } device)
            await TryGrowOnlineAsync(workspaceId, device, ct);
    }

    /// <summary>
    /// Refuses to write <paramref name="bytes"/> (a snapshot's bound; nothing for a volume made or grown, which is
    /// sparse) into the disk's reserve: a failure that retrying cannot fix, so the job ends at once.
    /// </summary>
    public async Task EnsureRoomAsync(long bytes, CancellationToken ct)
    {
        var disk = await meter.MeasureAsync(Environment.MachineName, ct);
        if (disk.DiskFreeBytes - bytes < disk.DiskReserveBytes)
            throw new PermanentFailureException(
                $"The disk of the user volumes is below its reserve: {disk.DiskFreeBytes / (double)GiB:0.#} GiB "
                    + $"free, {bytes / (double)GiB:0.#} GiB to write, {disk.DiskReserveBytes / (double)GiB:0.#} GiB "
                    + "kept for the service and the volumes' growth."
            );
    }

    /// <summary>
    /// Whether the mounted volume's file system stopped taking writes: when the host's disk fills, a write into a
    /// part of the sparse image not yet allocated fails, ext4 aborts its journal and turns read-only, and the kernel
    /// counts the error (/sys/fs/ext4/DEVICE/errors_count). The device is the one mounted on the home, which only
    /// root mounts.
    /// </summary>
    public async Task<bool> HasFailedAsync(string workspaceId, CancellationToken ct)
    {
        if (await DeviceOfAsync(workspaceId, ct) is not { } device || !device.StartsWith("/dev/loop"))
            return false;
        var count = Path.Combine("/sys/fs/ext4", Path.GetFileName(device), "errors_count");
        return File.Exists(count) && long.TryParse(File.ReadAllText(count).Trim(), out var n) && n > 0;
    }

    /// <summary>Bytes the volume's image holds on disk (what a snapshot of it can take at most).</summary>
    public async Task<long> AllocatedAsync(string workspaceId, CancellationToken ct)
    {
        var f = (await HostCommand.CheckAsync("stat", ["-c", "%b %B", paths.Volume(workspaceId)], ct))
            .Trim()
            .Split(' ')
            .Select(long.Parse)
            .ToArray();
        return f[0] * f[1];
    }

    /// <summary>Unmounts and deletes the volume and its mount point.</summary>
    public async Task DeleteAsync(string workspaceId, CancellationToken ct)
    {
        await UnmountAsync(workspaceId, ct);
        foreach (var image in new[] { paths.Volume(workspaceId), paths.Volume(workspaceId) + ".new" })
            if (File.Exists(image))
                File.Delete(image);
        var home = paths.Home(workspaceId);
        // An unmounted home is an empty root-owned folder (links inside are removed, never followed).
        if (Directory.Exists(home))
            Directory.Delete(home, recursive: true);
    }

    /// <summary>Writes a tar of the mounted volume (owners and modes kept) to a new 0600 file.</summary>
    public async Task ArchiveAsync(string workspaceId, string file, CancellationToken ct)
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("local desktops need Linux");
        var psi = Jail(
            ["--ro-bind", paths.Home(workspaceId), "/volume", "--cap-add", "CAP_DAC_READ_SEARCH"],
            ["tar", "--numeric-owner", "-C", "/volume", "-cpf", "-", "."]
        );
        psi.RedirectStandardOutput = true;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start tar");
        p.StandardInput.Close();
        var error = p.StandardError.ReadToEndAsync(ct);
        await using (
            var output = new FileStream(
                file,
                new FileStreamOptions
                {
                    Mode = FileMode.Create,
                    Access = FileAccess.Write,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                }
            )
        )
            await p.StandardOutput.BaseStream.CopyToAsync(output, ct);
        await p.WaitForExitAsync(ct);
        // 1: a file changed while it was read (a live desktop); the archive is still whole.
        if (p.ExitCode is not (0 or 1))
            throw new InvalidOperationException($"tar failed ({p.ExitCode}): {(await error).Trim()}");
    }

    /// <summary>Extracts a snapshot into the mounted (fresh) volume, owners and modes kept.</summary>
    public Task RestoreAsync(string workspaceId, string archive, CancellationToken ct) =>
        RunJailedAsync(
            ["--bind", paths.Home(workspaceId), "/volume", "--ro-bind", archive, "/snapshot.tar"],
            ["tar", "--numeric-owner", "-C", "/volume", "-xpf", "/snapshot.tar"],
            $"restoring {archive}",
            ct
        );

    /// <summary>A home from before user volumes (a plain folder under DATA/desktops/homes) is set aside so that the
    /// volume can be mounted in its place; returns where it went, or null when there is none.</summary>
    public string? SetLegacyHomeAside(string workspaceId, bool mounted)
    {
        var home = paths.Home(workspaceId);
        var aside = home + ".legacy";
        if (Directory.Exists(aside))
            return aside; // an earlier attempt stopped half-way: start the move again
        if (mounted || !Directory.Exists(home) || !Directory.EnumerateFileSystemEntries(home).Any())
            return null;
        Directory.Move(home, aside);
        log.LogInformation("Moving the home of {Workspace} into a user volume", workspaceId);
        return aside;
    }

    /// <summary>Copies a legacy home into the mounted volume (owners and modes kept), then deletes it.</summary>
    public async Task ImportLegacyHomeAsync(string workspaceId, string legacy, CancellationToken ct)
    {
        await RunJailedAsync(
            ["--ro-bind", legacy, "/legacy", "--bind", paths.Home(workspaceId), "/volume"],
            ["sh", "-c", "tar --numeric-owner -C /legacy -cf - . | tar --numeric-owner -C /volume -xpf -"],
            $"moving {legacy} into its volume",
            ct
        );
        // No session runs: nothing swaps a folder for a link meanwhile (and links are removed, never followed).
        Directory.Delete(legacy, recursive: true);
    }

    private static async Task RunJailedAsync(
        IEnumerable<string> mounts,
        IEnumerable<string> command,
        string what,
        CancellationToken ct
    )
    {
        var psi = Jail(
            mounts.Concat([
                "--cap-add",
                "CAP_CHOWN",
                "--cap-add",
                "CAP_DAC_OVERRIDE",
                "--cap-add",
                "CAP_DAC_READ_SEARCH",
                "--cap-add",
                "CAP_FOWNER",
                "--cap-add",
                "CAP_FSETID",
            ]),
            command
        );
        psi.RedirectStandardOutput = true;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start tar");
        p.StandardInput.Close();
        var output = p.StandardOutput.ReadToEndAsync(ct);
        var error = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        await output;
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{what} failed: {(await error).Trim()}");
    }

    /// <summary>A root process in a sandbox that sees the system read-only, the given mounts and nothing else, with
    /// no capability but those added: tar run this way cannot be led out of the volume by a link.</summary>
    private static ProcessStartInfo Jail(IEnumerable<string> mounts, IEnumerable<string> command)
    {
        var psi = new ProcessStartInfo("bwrap")
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Not --unshare-all: a user namespace would take away root's rights over the tenant's files.
        foreach (
            var a in new[]
            {
                "--unshare-pid",
                "--unshare-ipc",
                "--unshare-uts",
                "--unshare-net",
                "--unshare-cgroup",
                "--die-with-parent",
                "--cap-drop",
                "ALL",
                "--clearenv",
                "--setenv",
                "PATH",
                "/usr/bin:/bin",
            }
                .Concat(SandboxCommand.SystemMounts())
                .Concat(mounts)
                .Concat(command)
        )
            psi.ArgumentList.Add(a);
        return psi;
    }
}
