namespace Cubicle.Storage;

/// <summary>The notification channels nodes tell each other on.</summary>
public static class Channels
{
    /// <summary>Lifecycle jobs were queued or became due sooner.</summary>
    public const string Jobs = "cubicle_jobs";

    /// <summary>Desktop sessions were revoked: open bridges check theirs.</summary>
    public const string Sessions = "cubicle_sessions";
}
