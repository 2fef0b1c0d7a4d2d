namespace Cubicle.Storage;

/// <summary>A subnet's address range and the cursor of its next free address.</summary>
public sealed class SubnetRecord
{
    public string AccountId { get; set; } = "";
    public string SubnetId { get; set; } = "";
    public long Base { get; set; }
    public int Prefix { get; set; }
    public long Cursor { get; set; }
}
