using System.Diagnostics;
using System.DirectoryServices.Protocols;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Cubicle.Identity;
using Cubicle.Services.DirectoryService;

namespace Cubicle.Tests;

/// <summary>A signal that reaches the thread waiting for an LDAP connection does not fail the connection: libldap
/// polls a non-blocking connect (it has a network timeout) and gives up on EINTR unless LDAP_OPT_RESTART is
/// on.</summary>
public sealed class LdapSignalTests
{
    // CoreCLR's own handler takes it (it injects activations with it), so it interrupts the poll and nothing else.
    private const int RealTimeSignal = 34;

    [DllImport("libc")]
    private static extern int gettid();

    [DllImport("libc")]
    private static extern int tgkill(int tgid, int tid, int signal);

    [SkippableFact]
    public void A_signal_during_the_connect_waits_for_the_timeout_instead_of_failing_at_once()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "libldap and tgkill are Linux's");
        var timeout = TimeSpan.FromSeconds(2);
        Assert.True(LdapTimeouts.Apply(timeout));
        // A listener whose accept queue is full: the kernel drops the next SYN, so that connect waits.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var fillers = Enumerable.Range(0, 3).Select(_ => Fill(port)).ToList();

        var tid = 0;
        Exception? failure = null;
        var watch = Stopwatch.StartNew();
        var thread = new Thread(() =>
        {
            Volatile.Write(ref tid, gettid());
            try
            {
                using var c = new LdapConnection(new LdapDirectoryIdentifier("127.0.0.1", port))
                {
                    AuthType = AuthType.Basic,
                    Timeout = timeout,
                };
                c.Bind(new NetworkCredential("cn=nobody", "password"));
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        });
        thread.Start();
        while (thread.IsAlive && watch.Elapsed < TimeSpan.FromSeconds(1))
        {
            Thread.Sleep(50);
            if (Volatile.Read(ref tid) != 0)
                tgkill(Environment.ProcessId, tid, RealTimeSignal);
        }
        thread.Join();
        fillers.ForEach(f => f.Dispose());

        Assert.IsType<LdapException>(failure);
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1.5), $"failed after {watch.Elapsed}: {failure.Message}");
    }

    private static Socket Fill(int port)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
        try
        {
            s.Connect(new IPEndPoint(IPAddress.Loopback, port));
        }
        catch (SocketException) { } // in progress, or dropped: either way the queue fills
        return s;
    }
}
