namespace Cubicle.Identity;

/// <summary>
/// At most <see cref="PerDirectory"/> sign-in checks against one AD Connector's LDAP servers at once, on this node:
/// a directory whose servers accept connections and never answer holds a few of its own sign-ins for the LDAP
/// timeout, and refuses its others at once, instead of holding every sign-in of the server.
/// </summary>
public sealed class LdapCheckSlots
{
    public const int PerDirectory = 4;

    // Directories with checks under way (by seq), and how many; an entry goes when its last check ends.
    private readonly Dictionary<long, int> _busy = [];

    /// <summary>A slot for one check of the directory, released by disposing it; null when all are taken.</summary>
    public IDisposable? TryEnter(long directorySeq)
    {
        lock (_busy)
        {
            var n = _busy.GetValueOrDefault(directorySeq);
            if (n >= PerDirectory)
                return null;
            _busy[directorySeq] = n + 1;
        }
        return new Slot(this, directorySeq);
    }

    private void Release(long directorySeq)
    {
        lock (_busy)
        {
            if (_busy[directorySeq] == 1)
                _busy.Remove(directorySeq);
            else
                _busy[directorySeq]--;
        }
    }

    private sealed class Slot(LdapCheckSlots slots, long directorySeq) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                slots.Release(directorySeq);
        }
    }
}
