namespace Cubicle.Storage;

/// <summary>The kinds of browser session.</summary>
public static class SessionKinds
{
    public const string Desktop = "desktop";
    public const string Console = "console";
}
