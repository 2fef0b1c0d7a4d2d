namespace Cubicle.Jobs;

/// <summary>How this node runs lifecycle jobs.</summary>
public sealed class JobOptions
{
    /// <summary>Jobs run at once on this node.</summary>
    public int Concurrency { get; init; } = 16;

    /// <summary>How long a claim lasts without renewal: after a node dies, its jobs are claimed again this long
    /// after their last renewal.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Longest one provider call (start a desktop, take a snapshot...) may take before it counts as failed.
    /// </summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromMinutes(2);
}
