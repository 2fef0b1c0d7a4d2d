namespace Cubicle.Desktops;

public sealed class LocalDesktopOptions
{
    public string DataPath { get; set; } = "./data";

    /// <summary>Desktops this host runs at once; past it, creates and starts fail for the extra items.</summary>
    public int MaxDesktops { get; set; } = 8;
}
