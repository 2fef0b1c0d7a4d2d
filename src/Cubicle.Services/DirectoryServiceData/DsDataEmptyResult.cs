namespace Cubicle.Services.DirectoryServiceData;

public sealed class DsDataEmptyResult
{
    public static readonly DsDataEmptyResult Instance = new();
}
