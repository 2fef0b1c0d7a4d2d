namespace Cubicle.Desktops;

public sealed class LocalDesktopOptions
{
    public string DataPath { get; set; } = "./data";

    /// <summary>Desktops this host runs at once; past it, creates and starts fail for the extra items.</summary>
    public int MaxDesktops { get; set; } = 8;

    /// <summary>Volume bytes promised per byte of disk the volumes can use (thin volumes): --disk-oversubscription.
    /// </summary>
    public double DiskOversubscription { get; set; } = 20;

    /// <summary>Percent of that disk never promised, below which nothing new is written: --disk-reserve-percent.
    /// </summary>
    public double DiskReservePercent { get; set; } = 10;

    /// <summary>Memory promised to running desktops per byte of the host's: --memory-oversubscription.</summary>
    public double MemoryOversubscription { get; set; } = 1.5;
}
