using Cubicle.Protocol;

namespace Cubicle.Services.WorkSpaces;

/// <summary>The model's rules for the directory registration requests, built on the one validator.</summary>
internal static class RegistrationRules
{
    public static void Describe(DescribeWorkspaceDirectoriesRequest req)
    {
        Validate.Count(req.DirectoryIds, 1, 25, "DirectoryIds");
        Validate.Each(req.DirectoryIds, Validate.DirectoryIdPattern(), "DirectoryIds");
        Validate.Count(req.WorkspaceDirectoryNames, 1, 25, "WorkspaceDirectoryNames");
        Validate.Each(req.WorkspaceDirectoryNames, Validate.WorkspaceDirectoryNamePattern(), "WorkspaceDirectoryNames");
        Validate.Range(req.Limit, 1, 25, "Limit");
        Validate.PageToken(req.NextToken);
        Validate.Count(req.Filters, 1, 25, "Filters");
        for (var i = 0; i < (req.Filters?.Count ?? 0); i++)
        {
            var f = req.Filters![i];
            Validate.Required(f.Name, $"Filters[{i}].Name");
            Validate.OneOf(f.Name, WorkspaceRules.DirectoryFilterNames, $"Filters[{i}].Name");
            Validate.Required(f.Values, $"Filters[{i}].Values");
            Validate.Count(f.Values, 1, 25, $"Filters[{i}].Values");
            Validate.Each(f.Values, Validate.DirectoryFilterValuePattern(), $"Filters[{i}].Values");
        }
    }

    public static void Register(RegisterWorkspaceDirectoryRequest req)
    {
        Validate.Required(req.DirectoryId, "DirectoryId");
        Validate.Length(req.DirectoryId, 10, 65, "DirectoryId");
        Validate.Pattern(req.DirectoryId, Validate.DirectoryIdPattern(), "DirectoryId");
        Validate.Count(req.SubnetIds, 0, 2, "SubnetIds");
        Validate.Each(req.SubnetIds, Validate.SubnetIdPattern(), "SubnetIds");
        Validate.OneOf(req.Tenancy, ["DEDICATED", "SHARED"], "Tenancy");
        WorkspaceRules.Tags(req.Tags, "Tags");
        Validate.Count(req.Tags, 0, 50, "Tags");
        Validate.Pattern(
            req.WorkspaceDirectoryName,
            Validate.WorkspaceDirectoryNamePattern(),
            "WorkspaceDirectoryName"
        );
        Validate.Length(req.WorkspaceDirectoryDescription, 1, 256, "WorkspaceDirectoryDescription");
        Validate.OneOf(
            req.UserIdentityType,
            ["CUSTOMER_MANAGED", "AWS_DIRECTORY_SERVICE", "AWS_IAM_IDENTITY_CENTER"],
            "UserIdentityType"
        );
        Validate.OneOf(req.WorkspaceType, ["PERSONAL", "POOLS"], "WorkspaceType");
        Validate.Pattern(req.IdcInstanceArn, Validate.ArnPattern(), "IdcInstanceArn");
        if (req.UserIdentityType is not (null or "AWS_DIRECTORY_SERVICE") || req.WorkspaceType is "POOLS")
            throw new ApiException(
                ErrorCodes.OperationNotSupported,
                "Cubicle registers Directory Service directories for personal WorkSpaces "
                    + "(UserIdentityType AWS_DIRECTORY_SERVICE, "
                    + "WorkspaceType PERSONAL)."
            )
            {
                Reason = "UNSUPPORTED_CONFIGURATION",
            };
        if (req.Tenancy == "DEDICATED")
            throw ApiException.InvalidParameter(
                "Dedicated tenancy is not enabled for this account (see DescribeAccount)."
            );
    }
}
