namespace Cubicle.Domain;

/// <summary>What a desktop host has promised: desktops running, the memory of their compute types, and the sizes
/// of the volumes it keeps (a thin volume is promised in full, however little of it is written).</summary>
public sealed record HostLoad(int Desktops, long MemoryBytes, long DiskBytes)
{
    public static readonly HostLoad None = new(0, 0, 0);

    public HostLoad Plus(HostShare share) =>
        new(Desktops + share.Desktops, MemoryBytes + share.MemoryBytes, DiskBytes + share.DiskBytes);
}
