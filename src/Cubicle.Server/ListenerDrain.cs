using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Cubicle.Server;

/// <summary>
/// Closes the listening sockets at shutdown without resetting anyone. Closing a listener resets the connections the
/// kernel has already completed but the server has not yet accepted: their clients sent a request and get a reset
/// instead of an answer. So first the listener is told to drop new connection attempts (a socket filter that drops
/// every packet: a client's SYN goes unanswered, and its retry, once the listener is closed, is refused), then the
/// queue of completed connections is left to empty into the server, which answers them; only then is it closed.
/// </summary>
public sealed class ListenerDrain
{
    private const int SolSocket = 1,
        SoAttachFilter = 26,
        IpProtoTcp = 6,
        TcpInfo = 11;
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(2);
    private readonly List<Socket> _listeners = [];

    /// <summary>Kestrel's listen sockets are made here, so that they can be drained.</summary>
    public Socket Bind(EndPoint endpoint)
    {
        var socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
        lock (_listeners)
            _listeners.Add(socket);
        return socket;
    }

    /// <summary>Stops new connections and waits (briefly) until the ones already queued have been accepted.</summary>
    public void Drain(ILogger log)
    {
        if (!OperatingSystem.IsLinux())
            return;
        List<Socket> listeners;
        lock (_listeners)
            listeners = [.. _listeners];
        foreach (var socket in listeners)
        {
            try
            {
                DropNewConnections(socket);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                log.LogWarning(
                    "Could not stop new connections on {Endpoint}: {Error}",
                    socket.LocalEndPoint,
                    ex.Message
                );
            }
        }
        var deadline = DateTime.UtcNow + MaxWait;
        while (listeners.Any(Queued) && DateTime.UtcNow < deadline)
            Thread.Sleep(10);
    }

    private static void DropNewConnections(Socket socket)
    {
        // One classic BPF instruction, "return 0": keep no byte of any packet. The kernel copies the program.
        var filter = Marshal.AllocHGlobal(8);
        try
        {
            Marshal.WriteInt64(filter, 0x06); // code BPF_RET|BPF_K = 0x06, jt 0, jf 0, k 0
            Span<byte> program = stackalloc byte[16]; // struct sock_fprog { u16 len; (pad) sock_filter *filter; }
            program.Clear();
            MemoryMarshal.Write(program, (ushort)1);
            MemoryMarshal.Write(program[8..], filter);
            socket.SetRawSocketOption(SolSocket, SoAttachFilter, program);
        }
        finally
        {
            Marshal.FreeHGlobal(filter);
        }
    }

    /// <summary>Connections completed but not yet accepted (tcp_info's unacked field, for a listener).</summary>
    private static bool Queued(Socket socket)
    {
        Span<byte> info = stackalloc byte[104];
        try
        {
            var length = socket.GetRawSocketOption(IpProtoTcp, TcpInfo, info);
            return length >= 28 && MemoryMarshal.Read<uint>(info[24..]) > 0;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }
}
