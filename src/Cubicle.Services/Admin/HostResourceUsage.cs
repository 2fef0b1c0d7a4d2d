namespace Cubicle.Services.Admin;

/// <summary>One resource of a desktop host, in bytes: what it has, what may be promised, what is promised, what is
/// really used and free, and (the disk) what is kept.</summary>
public sealed class HostResourceUsage
{
    public long Capacity { get; set; }
    public long Limit { get; set; }
    public long Provisioned { get; set; }
    public long Used { get; set; }
    public long Free { get; set; }
    public long? Reserve { get; set; }
    public double Oversubscription { get; set; }
}
