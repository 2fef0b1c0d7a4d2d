using Cubicle.Protocol;

namespace Cubicle.Services.DirectoryService;

/// <summary>
/// The Directory Service actions, behind X-Amz-Target "DirectoryService_20150416.*", signed for "ds".
/// </summary>
public static class DsApi
{
    public const string TargetPrefix = "DirectoryService_20150416";

    public static ServiceApi Create(DsService ds)
    {
        var j = DsJsonContext.Default;
        IOperation[] ops =
        [
            new Operation<CreateDirectoryRequest, DirectoryIdShape>(
                "CreateDirectory",
                j.CreateDirectoryRequest,
                j.DirectoryIdShape,
                ds.CreateDirectoryAsync
            ),
            new Operation<ConnectDirectoryRequest, DirectoryIdShape>(
                "ConnectDirectory",
                j.ConnectDirectoryRequest,
                j.DirectoryIdShape,
                ds.ConnectDirectoryAsync
            ),
            new Operation<DescribeDirectoriesRequest, DescribeDirectoriesResult>(
                "DescribeDirectories",
                j.DescribeDirectoriesRequest,
                j.DescribeDirectoriesResult,
                ds.DescribeDirectoriesAsync
            ),
            new Operation<DirectoryIdShape, DirectoryIdShape>(
                "DeleteDirectory",
                j.DirectoryIdShape,
                j.DirectoryIdShape,
                ds.DeleteDirectoryAsync
            ),
            new Operation<ResetUserPasswordRequest, DsEmptyResult>(
                "ResetUserPassword",
                j.ResetUserPasswordRequest,
                j.DsEmptyResult,
                ds.ResetUserPasswordAsync
            ),
            new Operation<DirectoryIdShape, DsEmptyResult>(
                "EnableDirectoryDataAccess",
                j.DirectoryIdShape,
                j.DsEmptyResult,
                ds.EnableDataAccessAsync
            ),
            new Operation<DirectoryIdShape, DsEmptyResult>(
                "DisableDirectoryDataAccess",
                j.DirectoryIdShape,
                j.DsEmptyResult,
                ds.DisableDataAccessAsync
            ),
            new Operation<DirectoryIdShape, DescribeDirectoryDataAccessResult>(
                "DescribeDirectoryDataAccess",
                j.DirectoryIdShape,
                j.DescribeDirectoryDataAccessResult,
                ds.DescribeDataAccessAsync
            ),
        ];
        return new ServiceApi(TargetPrefix, "ds", ops, DsErrors.InvalidParameter);
    }
}
