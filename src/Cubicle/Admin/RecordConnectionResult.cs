namespace Cubicle.Admin;

public sealed class RecordConnectionResult
{
    public string? WorkspaceId { get; set; }
    public string? ConnectionState { get; set; }
}
