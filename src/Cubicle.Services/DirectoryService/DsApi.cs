using Cubicle.Protocol;

namespace Cubicle.Services.DirectoryService;

/// <summary>
/// The Directory Service actions, behind X-Amz-Target "DirectoryService_20150416.*", signed for "ds".
/// </summary>
public static class DsApi
{
    public const string TargetPrefix = "DirectoryService_20150416";

    public static ServiceApi Create(DsService ds, DsUserAccess access)
    {
        var j = DsJsonContext.Default;
        IOperation[] ops =
        [
            Op.Change("CreateDirectory", j.CreateDirectoryRequest, j.DirectoryIdShape, ds.CreateDirectoryAsync),
            Op.Change("ConnectDirectory", j.ConnectDirectoryRequest, j.DirectoryIdShape, ds.ConnectDirectoryAsync),
            Op.Read(
                "DescribeDirectories",
                j.DescribeDirectoriesRequest,
                j.DescribeDirectoriesResult,
                ds.DescribeDirectoriesAsync
            ),
            Op.Change("DeleteDirectory", j.DirectoryIdShape, j.DirectoryIdShape, ds.DeleteDirectoryAsync),
            Op.Change("ResetUserPassword", j.ResetUserPasswordRequest, j.DsEmptyResult, access.ResetUserPasswordAsync),
            Op.Change("EnableDirectoryDataAccess", j.DirectoryIdShape, j.DsEmptyResult, access.EnableDataAccessAsync),
            Op.Change("DisableDirectoryDataAccess", j.DirectoryIdShape, j.DsEmptyResult, access.DisableDataAccessAsync),
            Op.Read(
                "DescribeDirectoryDataAccess",
                j.DirectoryIdShape,
                j.DescribeDirectoryDataAccessResult,
                access.DescribeDataAccessAsync
            ),
        ];
        return new ServiceApi(TargetPrefix, "ds", ops, DsErrors.InvalidParameter);
    }
}
