using System.Runtime.InteropServices;

namespace Cubicle.Identity;

/// <summary>
/// Bounds every LDAP operation of the process, binds included. On Linux, System.DirectoryServices.Protocols binds
/// with libldap's synchronous bind and applies no timeout to it (dotnet/runtime#62075): a server that accepts the
/// connection and never answers would hold the bind for ever. libldap's own defaults (LDAP_OPT_TIMEOUT for the
/// synchronous calls, LDAP_OPT_NETWORK_TIMEOUT for connecting) are set once, before any connection copies them.
/// With a network timeout libldap connects without blocking and polls; a signal that reaches the polling thread
/// (the runtime sends some to its own threads) then fails the connection at once as "server down" unless
/// LDAP_OPT_RESTART is on: it is set with them.
/// </summary>
public static class LdapTimeouts
{
    private const int OptTimeout = 0x5002;
    private const int OptNetworkTimeout = 0x5005;
    private const int OptRestart = 0x0009;

    // The names System.DirectoryServices.Protocols loads, in its order: the process then shares one libldap.
    private static readonly string[] Libraries =
    [
        "libldap.so.2",
        "libldap-2.6.so.0",
        "libldap-2.5.so.0",
        "libldap-2.4.so.2",
    ];
    private static readonly Lock Gate = new();
    private static bool? _applied;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeValue
    {
        public long Seconds;
        public long Microseconds;
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int SetOption(IntPtr ld, int option, ref TimeValue value);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int SetSwitch(IntPtr ld, int option, IntPtr on);

    /// <summary>Sets both defaults to <paramref name="timeout"/> the first time (a process has one LDAP timeout,
    /// --ldap-timeout-seconds); callers meanwhile wait, so that no connection starts without them. False where there
    /// is no libldap (not Linux), or it refused them.</summary>
    public static bool Apply(TimeSpan timeout)
    {
        lock (Gate)
            return _applied ??= Set(timeout);
    }

    private static bool Set(TimeSpan timeout)
    {
        var library = IntPtr.Zero;
        if (!OperatingSystem.IsLinux() || !Libraries.Any(name => NativeLibrary.TryLoad(name, out library)))
            return false;
        if (!NativeLibrary.TryGetExport(library, "ldap_set_option", out var export))
            return false;
        var set = Marshal.GetDelegateForFunctionPointer<SetOption>(export);
        var value = new TimeValue
        {
            Seconds = (long)timeout.TotalSeconds,
            Microseconds = timeout.Microseconds + timeout.Milliseconds * 1000L,
        };
        // ld = NULL: the global defaults, which every connection made from now on starts with. A switch is on when
        // its value is not LDAP_OPT_OFF (a null pointer).
        var restart = Marshal.GetDelegateForFunctionPointer<SetSwitch>(export)(IntPtr.Zero, OptRestart, 1) == 0;
        return set(IntPtr.Zero, OptTimeout, ref value) == 0
            & set(IntPtr.Zero, OptNetworkTimeout, ref value) == 0
            & restart;
    }
}
