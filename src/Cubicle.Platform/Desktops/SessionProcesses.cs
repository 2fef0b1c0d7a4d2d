using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Cubicle.Desktops;

/// <summary>
/// The bwrap process each session runs in, as its pid file records it: its pid and start time, so that a later
/// process that got the same pid is never taken for it. Ending a session kills the sandbox's init (PID 1 of its
/// namespace): the kernel then ends every process in it.
/// </summary>
internal sealed class SessionProcesses(DesktopPaths paths, ILogger log)
{
    /// <summary>Records the session's bwrap process in its pid file.</summary>
    public Task RecordAsync(string workspaceId, int pid, CancellationToken ct) =>
        File.WriteAllTextAsync(paths.PidFile(workspaceId), $"{pid} {StartTimeOf(pid)}", ct);

    /// <summary>The bwrap process of the workspace's session, if it is still that process (same start time).</summary>
    public int? SandboxPid(string workspaceId)
    {
        try
        {
            var parts = File.ReadAllText(paths.PidFile(workspaceId)).Split(' ');
            return parts.Length == 2 && int.TryParse(parts[0], out var pid) && StartTimeOf(pid) == parts[1]
                ? pid
                : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Ends the workspace's session, if it runs, and removes its pid file.</summary>
    public async Task EndAsync(string workspaceId)
    {
        if (SandboxPid(workspaceId) is { } bwrap)
            await KillAsync(bwrap);
        if (File.Exists(paths.PidFile(workspaceId)))
            File.Delete(paths.PidFile(workspaceId));
    }

    /// <summary>Ends the sessions of the layout before this one (DATA/desktops/run/ID.pid, next to a socket folder
    /// of the tenant's) and removes that folder.</summary>
    public async Task EndLegacySessionsAsync()
    {
        var run = Path.Combine(paths.Root, "run");
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
            log.LogInformation(
                "Ending the session of {Workspace} started by an older version",
                Path.GetFileName(folder)
            );
            await KillAsync(pid);
        }
        // The sessions are gone: nothing swaps a folder for a link meanwhile (and links are removed, never followed).
        Directory.Delete(run, recursive: true);
    }

    /// <summary>The pids of the process's children (the first of bwrap's is the sandbox's init).</summary>
    public static int[] Children(int pid)
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

    /// <summary>Kills the sandbox's init (or bwrap itself, before it has one), then waits, for about five seconds at
    /// most, for bwrap to be gone.</summary>
    private static async Task KillAsync(int bwrap)
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
}
