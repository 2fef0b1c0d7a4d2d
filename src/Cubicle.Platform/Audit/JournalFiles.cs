using System.Runtime.InteropServices;

namespace Cubicle.Audit;

/// <summary>
/// The audit journal's files as the operating system sees them: a folder and files for the owner alone, the lock one
/// process holds, and the flushes that make a write (fdatasync) or a new or removed file (the folder's fsync) durable.
/// </summary>
internal static class JournalFiles
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the folder (0700), and makes its entry durable.</summary>
    public static void CreateFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(folder);
        else
        {
            Directory.CreateDirectory(
                folder,
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            );
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            // The folder's own entry, so that a power cut cannot take it (and the segments in it) away.
            FlushFolder(Path.GetDirectoryName(folder)!);
        }
    }

    /// <summary>Takes the folder for this process: the stream holds the lock until it is disposed.</summary>
    public static FileStream Lock(string folder)
    {
        try
        {
            // An exclusive lock (flock) for the life of the process, released by the kernel if it dies.
            return new FileStream(
                Path.Combine(folder, "lock"),
                Options(FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None)
            );
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"Another process uses the audit journal in {folder}.", ex);
        }
    }

    /// <summary>Unbuffered (each group is one write), readable and writable by the owner alone (0600).</summary>
    public static FileStreamOptions Options(FileMode mode, FileAccess access, FileShare share)
    {
        var o = new FileStreamOptions
        {
            Mode = mode,
            Access = access,
            Share = share,
            BufferSize = 0,
        };
        if (!OperatingSystem.IsWindows())
            o.UnixCreateMode = OwnerOnly;
        return o;
    }

    /// <summary>fdatasync where there is one: the data (and the size, had it changed), not the timestamps.</summary>
    public static void FlushData(FileStream stream)
    {
        if (OperatingSystem.IsWindows())
            stream.Flush(flushToDisk: true);
        else if (Native.Fdatasync((int)stream.SafeFileHandle.DangerousGetHandle()) != 0)
            throw new IOException($"fdatasync failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Makes the folder's entries (files created, renamed or deleted in it) durable; best effort.</summary>
    public static void FlushFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
            return;
        var fd = Native.Open(
            folder,
            0 /* O_RDONLY */
        );
        if (fd < 0)
            return;
        Native.Fsync(fd);
        Native.Close(fd);
    }

    private static class Native
    {
#pragma warning disable SYSLIB1054 // as DataFolder: plain DllImport, no unsafe code for LibraryImport
        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        public static extern int Open(string path, int flags);

        [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
        public static extern int Fsync(int fd);

        [DllImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
        public static extern int Fdatasync(int fd);

        [DllImport("libc", EntryPoint = "close")]
        public static extern int Close(int fd);
#pragma warning restore SYSLIB1054
    }
}
