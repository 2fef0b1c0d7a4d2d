namespace Cubicle.DirectoryData;

public sealed class DsDataEmptyResult
{
    public static readonly DsDataEmptyResult Instance = new();
}
