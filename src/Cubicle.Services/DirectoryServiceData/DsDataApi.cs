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
            new Operation<CreateUserRequest, CreateUserResult>(
                "CreateUser",
                j.CreateUserRequest,
                j.CreateUserResult,
                users.CreateUserAsync
            ),
            new Operation<DescribeUserRequest, DescribeUserResult>(
                "DescribeUser",
                j.DescribeUserRequest,
                j.DescribeUserResult,
                users.DescribeUserAsync
            ),
            new Operation<ListUsersRequest, ListUsersResult>(
                "ListUsers",
                j.ListUsersRequest,
                j.ListUsersResult,
                users.ListUsersAsync
            ),
            new Operation<SearchUsersRequest, SearchUsersResult>(
                "SearchUsers",
                j.SearchUsersRequest,
                j.SearchUsersResult,
                users.SearchUsersAsync
            ),
            new Operation<UpdateUserRequest, DsDataEmptyResult>(
                "UpdateUser",
                j.UpdateUserRequest,
                j.DsDataEmptyResult,
                users.UpdateUserAsync
            ),
            new Operation<UserRequest, DsDataEmptyResult>(
                "DisableUser",
                j.UserRequest,
                j.DsDataEmptyResult,
                users.DisableUserAsync
            ),
            new Operation<UserRequest, DsDataEmptyResult>(
                "DeleteUser",
                j.UserRequest,
                j.DsDataEmptyResult,
                users.DeleteUserAsync
            ),
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
