using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Cubicle.Desktops;

/// <summary>
/// Connects the server (root) to a desktop's VNC socket without trusting the tenant: the last component of the
/// path, which the tenant can replace, is opened without following links and must be a socket of the workspace's
/// account; the connection goes to that very inode (through /proc/self/fd), and the process listening on it must
/// run as that account (SO_PEERCRED). A link to another desktop or to any root-only socket is refused, unopened.
/// </summary>
internal static class VncEndpoint
{
    private const int OPath = 0x200000,
        OCloexec = 0x80000;
    private const int AtEmptyPath = 0x1000,
        StatxType = 1,
        StatxUid = 8;
    private const int SolSocket = 1,
        SoPeerCred = 17;
    private const int TypeMask = 0xF000,
        TypeSocket = 0xC000;

    private static int ONoFollow =>
        RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;

    public sealed record Outcome(Socket? Socket, string? Refusal);

    public static async Task<Outcome> ConnectAsync(string path, uint uid, CancellationToken ct)
    {
        var fd = Open(path, OPath | ONoFollow | OCloexec);
        if (fd < 0)
            return new Outcome(null, null); // no socket (yet): the desktop is not listening
        try
        {
            var stat = new byte[256];
            if (Statx(fd, "", AtEmptyPath, StatxType | StatxUid, stat) != 0)
                return new Outcome(null, null);
            var owner = BinaryPrimitives.ReadUInt32LittleEndian(stat.AsSpan(20));
            var mode = BinaryPrimitives.ReadUInt16LittleEndian(stat.AsSpan(28));
            if ((mode & TypeMask) != TypeSocket)
                return new Outcome(null, $"{path} is not a socket (mode {mode:x4})");
            if (owner != uid)
                return new Outcome(null, $"{path} belongs to uid {owner}, not {uid}");

            Socket? socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint($"/proc/self/fd/{fd}"), ct);
                var peer = PeerUid(socket);
                if (peer != uid)
                    return new Outcome(null, $"the process listening on {path} runs as uid {peer}");
                var connected = socket;
                socket = null; // the caller's now
                return new Outcome(connected, null);
            }
            catch (SocketException)
            {
                return new Outcome(null, null);
            }
            finally
            {
                socket?.Dispose();
            }
        }
        finally
        {
            Close(fd);
        }
    }

    /// <summary>The uid of the process at the other end (struct ucred: pid, uid, gid).</summary>
    private static uint PeerUid(Socket socket)
    {
        var cred = new byte[12];
        socket.GetRawSocketOption(SolSocket, SoPeerCred, cred);
        return BinaryPrimitives.ReadUInt32LittleEndian(cred.AsSpan(4));
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(
        int dirfd,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string path,
        int flags,
        int mask,
        byte[] buffer
    );
}
