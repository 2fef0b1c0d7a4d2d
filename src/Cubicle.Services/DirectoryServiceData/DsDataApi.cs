using Cubicle.Protocol;

namespace Cubicle.Services.DirectoryServiceData;

/// <summary>Directory Service Data's user actions (restJson1: POST /Users/Action?DirectoryId=..., signed for
/// "ds-data").</summary>
public static class DsDataApi
{
    public static ServiceApi Create(DsDataService users)
    {
        var j = DsDataJsonContext.Default;
        IOperation[] ops =
        [
            Op.Change("CreateUser", j.CreateUserRequest, j.CreateUserResult, users.CreateUserAsync),
            Op.Read("DescribeUser", j.DescribeUserRequest, j.DescribeUserResult, users.DescribeUserAsync),
            Op.Read("ListUsers", j.ListUsersRequest, j.ListUsersResult, users.ListUsersAsync),
            Op.Read("SearchUsers", j.SearchUsersRequest, j.SearchUsersResult, users.SearchUsersAsync),
            Op.Change("UpdateUser", j.UpdateUserRequest, j.DsDataEmptyResult, users.UpdateUserAsync),
            Op.Change("DisableUser", j.UserRequest, j.DsDataEmptyResult, users.DisableUserAsync),
            Op.Change("DeleteUser", j.UserRequest, j.DsDataEmptyResult, users.DeleteUserAsync),
        ];
        return new ServiceApi(
            "DirectoryServiceData",
            "ds-data",
            ops,
            "ValidationException",
            RestPaths: ops.ToDictionary(o => o.Name, o => "/Users/" + o.Name),
            QueryMembers: ["DirectoryId"]
        );
    }
}
