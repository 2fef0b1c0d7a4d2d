namespace Cubicle.Desktops;

/// <summary>
/// Where local desktops keep their state, under DATA/desktops. The whole tree belongs to root alone (0700):
/// sandboxes get what they need through mounts that root makes, and no tenant can create or swap a path
/// here that the server later follows.
/// </summary>
public sealed class DesktopPaths(string dataPath)
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public string Root { get; } = Path.Combine(Path.GetFullPath(dataPath), "desktops");

    /// <summary>The mount point of the user volume, the session's /home/user.</summary>
    public string Home(string workspaceId) => Path.Combine(Root, "homes", workspaceId);

    /// <summary>The user volume: a sparse ext4 image.</summary>
    public string Volume(string workspaceId) => Path.Combine(Root, "volumes", workspaceId + ".img");

    /// <summary>What the server generates for a session (sandbox arguments, passwd...) and its pid file.</summary>
    public string Session(string workspaceId) => Path.Combine(Root, "sessions", workspaceId);

    public string PidFile(string workspaceId) => Path.Combine(Session(workspaceId), "pid");

    public string Snapshots(string workspaceId) => Path.Combine(Root, "snapshots", workspaceId);

    /// <summary>Workspaces that have a session folder or a home on this host.</summary>
    public IEnumerable<string> KnownWorkspaces() =>
        new[] { "sessions", "homes" }
            .Select(d => Path.Combine(Root, d))
            .Where(Directory.Exists)
            .SelectMany(Directory.GetDirectories)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => !name.Contains('.'))
            .Distinct();

    /// <summary>Creates the tree (or tightens the modes of one made by an older version).</summary>
    public void EnsureTree()
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("local desktops need Linux");
        foreach (
            var dir in new[]
            {
                Root,
                Path.Combine(Root, "homes"),
                Path.Combine(Root, "volumes"),
                Path.Combine(Root, "sessions"),
                Path.Combine(Root, "snapshots"),
            }
        )
            CreatePrivate(dir);
        foreach (var dir in Directory.GetDirectories(Path.Combine(Root, "snapshots")))
        {
            File.SetUnixFileMode(dir, Private);
            foreach (var file in Directory.GetFiles(dir))
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>A folder only root can open, whatever the umask.</summary>
    public static void CreatePrivate(string path)
    {
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("local desktops need Linux");
        Directory.CreateDirectory(path, Private);
        File.SetUnixFileMode(path, Private);
    }
}
