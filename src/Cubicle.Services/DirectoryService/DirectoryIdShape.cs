namespace Cubicle.Services.DirectoryService;

/// <summary>The result of CreateDirectory, ConnectDirectory and DeleteDirectory, and the request of DeleteDirectory
/// and of the data access actions.</summary>
public sealed class DirectoryIdShape
{
    public string? DirectoryId { get; set; }
}
