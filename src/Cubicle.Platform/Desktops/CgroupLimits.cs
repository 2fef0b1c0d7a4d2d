using Cubicle.Domain;
using Microsoft.Extensions.Logging;

namespace Cubicle.Desktops;

/// <summary>
/// A session's limits from its compute type, through cgroups (v1 cpu, memory and pids controllers, or v2): CPU
/// quota, memory, and a cap on processes so that a fork bomb stays inside its desktop. Where the limits cannot be
/// written, sessions run without them (README says so) and the server warns once.
/// </summary>
public sealed class CgroupLimits(ILogger log)
{
    private const string Root = "/sys/fs/cgroup";
    private bool _warned;

    public static (int VCpus, int MemoryMiB) Of(string? compute) =>
        ComputeTypes.Of(compute) is var c ? (c.VCpus, c.MemoryMiB) : default;

    /// <summary>Processes and threads a session may have at once: plenty for a desktop and a browser, and a
    /// fork bomb hits it long before the host's own limits.</summary>
    public static int ProcessesOf(string? compute) => Math.Max(1024, 512 * Of(compute).VCpus);

    private static bool V2 => File.Exists($"{Root}/cgroup.controllers");

    private static IEnumerable<string> DirsOf(string workspaceId) =>
        V2
            ? [$"{Root}/cubicle/{workspaceId}"]
            : new[] { "memory", "cpu", "pids" }
                .Where(c => Directory.Exists($"{Root}/{c}"))
                .Select(c => $"{Root}/{c}/cubicle/{workspaceId}");

    /// <summary>Creates the workspace's cgroups with their limits; returns the folders its session joins.</summary>
    public List<string> Prepare(string workspaceId, string? compute)
    {
        try
        {
            if (V2)
            {
                Directory.CreateDirectory($"{Root}/cubicle");
                TryWrite($"{Root}/cubicle/cgroup.subtree_control", "+cpu +memory +pids");
            }
            var dirs = DirsOf(workspaceId).ToList();
            foreach (var dir in dirs)
                Directory.CreateDirectory(dir);
            Write(workspaceId, compute);
            return dirs;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (!_warned)
                log.LogWarning(
                    "Cannot set cgroup limits ({Error}): desktops run without CPU, memory and process " + "limits",
                    ex.Message
                );
            _warned = true;
            return [];
        }
    }

    /// <summary>Writes the compute type's limits again on a running session (its compute type changed).</summary>
    public void Apply(string workspaceId, string? compute)
    {
        if (!DirsOf(workspaceId).Any(Directory.Exists))
            return;
        try
        {
            Write(workspaceId, compute);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A memory limit below what the session uses now is refused (EBUSY); the next start applies it.
            log.LogWarning("Cannot change the limits of {Workspace} now: {Error}", workspaceId, ex.Message);
        }
    }

    private static void Write(string workspaceId, string? compute)
    {
        var (cpus, mib) = Of(compute);
        var bytes = (mib * 1024L * 1024).ToString();
        var pids = ProcessesOf(compute).ToString();
        if (V2)
        {
            var dir = $"{Root}/cubicle/{workspaceId}";
            File.WriteAllText($"{dir}/memory.max", bytes);
            File.WriteAllText($"{dir}/cpu.max", $"{cpus * 100000} 100000");
            TryWrite($"{dir}/pids.max", pids);
            return;
        }
        var mem = $"{Root}/memory/cubicle/{workspaceId}";
        var cpu = $"{Root}/cpu/cubicle/{workspaceId}";
        var pid = $"{Root}/pids/cubicle/{workspaceId}";
        if (Directory.Exists(mem))
            File.WriteAllText($"{mem}/memory.limit_in_bytes", bytes);
        if (Directory.Exists(cpu))
        {
            File.WriteAllText($"{cpu}/cpu.cfs_period_us", "100000");
            File.WriteAllText($"{cpu}/cpu.cfs_quota_us", (cpus * 100000).ToString());
        }
        if (Directory.Exists(pid))
            File.WriteAllText($"{pid}/pids.max", pids);
    }

    /// <summary>Removes the workspace's cgroups (one whose last tasks are still exiting is retried briefly).</summary>
    public async Task RemoveAsync(string workspaceId)
    {
        foreach (var dir in DirsOf(workspaceId).Where(Directory.Exists))
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    Directory.Delete(dir);
                    break;
                }
                catch (IOException) when (attempt < 20)
                {
                    await Task.Delay(50);
                }
                catch (IOException ex)
                {
                    log.LogWarning("Cannot remove the cgroup {Dir}: {Error}", dir, ex.Message);
                    break;
                }
                catch (UnauthorizedAccessException)
                {
                    break;
                }
            }
    }

    private static void TryWrite(string path, string value)
    {
        try
        {
            File.WriteAllText(path, value);
        }
        catch (IOException) { }
    }
}
