using Cubicle.Protocol;

namespace Cubicle.Audit;

/// <summary>The resource types of WorkSpaces events, as LookupEvents reports them.</summary>
public static class ResourceTypes
{
    public const string Workspace = "AWS::WorkSpaces::Workspace";
    public const string Directory = "AWS::WorkSpaces::Directory";
    public const string Bundle = "AWS::WorkSpaces::WorkspaceBundle";

    /// <summary>The type of a resource named by a member, or null when the member names none. Only well-formed ids
    /// are resources: a value that is not one (any text a client sent) is recorded in the parameters only.</summary>
    public static string? Of(string? member, string value) =>
        member switch
        {
            "WorkspaceId" or "WorkspaceIds" or "ResourceId" when Validate.WorkspaceIdPattern().IsMatch(value) =>
                Workspace,
            "DirectoryId" or "DirectoryIds" or "ResourceId" when Validate.DirectoryIdPattern().IsMatch(value) =>
                Directory,
            "BundleId" or "BundleIds" when Validate.BundleIdPattern().IsMatch(value) => Bundle,
            _ => null,
        };
}
