namespace Cubicle.Services.DirectoryService;

/// <summary>The empty result.</summary>
public sealed class DsEmptyResult
{
    public static readonly DsEmptyResult Instance = new();
}
