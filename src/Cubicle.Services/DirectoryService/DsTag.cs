namespace Cubicle.Services.DirectoryService;

public sealed class DsTag
{
    public string? Key { get; set; }
    public string? Value { get; set; }
}
