using System.Runtime.InteropServices;

namespace Cubicle.Server;

/// <summary>
/// The data folder holds the database, keys and users' volumes: it is the operator's alone. The process creates
/// everything with umask 077 and the folder itself is 0700, so no other account (a desktop's user among them)
/// can read or list it, whatever a file's own mode would otherwise be.
/// </summary>
public static class DataFolder
{
    [DllImport("libc", EntryPoint = "umask")]
#pragma warning disable SYSLIB1054 // one call at start; LibraryImport would need unsafe code for the whole project
    private static extern uint SetUmask(uint mask);
#pragma warning restore SYSLIB1054

    public static string Secure(string path)
    {
        var full = Path.GetFullPath(path);
        if (OperatingSystem.IsWindows())
            return full;
        SetUmask(0b000_111_111); // 077
        Directory.CreateDirectory(full);
        File.SetUnixFileMode(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return full;
    }
}
