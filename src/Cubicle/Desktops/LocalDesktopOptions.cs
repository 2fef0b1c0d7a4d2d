namespace Cubicle.Desktops;

public sealed class LocalDesktopOptions
{
    public string DataPath { get; set; } = "./data";
    /// <summary>Desktops this host runs at once; past it, creates and starts fail for the extra items.</summary>
    public int MaxDesktops { get; set; } = 8;
    /// <summary>How often the user volume of each workspace is snapshotted (the seed: every 12 hours).</summary>
    public double SnapshotHours { get; set; } = 12;
}
