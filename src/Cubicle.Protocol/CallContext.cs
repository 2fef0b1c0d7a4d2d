using Cubicle.Storage;

namespace Cubicle.Protocol;

/// <summary>Who is calling, where, and as which request: the scope every operation works in.</summary>
public sealed class CallContext
{
    public required string RequestId { get; init; }
    public required string AccountId { get; init; }
    public required string Region { get; init; }
    public string? AccessKeyId { get; init; }

    /// <summary>Principal ARN, e.g. arn:aws:iam::000000000000:root.</summary>
    public string? PrincipalArn { get; init; }
    public string? SourceIp { get; init; }
    public string? UserAgent { get; init; }

    /// <summary>Decides whether an action on a resource is allowed; null means everything is.</summary>
    public IAccessPolicy? Policy { get; init; }

    /// <summary>The IAM user name of the key; null for an account's root key.</summary>
    public string? UserName { get; init; }

    /// <summary>What the audit trail records of the call's change: set by the operation, so that the change and the
    /// call's event commit in one transaction. Without an audit trail (unit tests), nothing is recorded.</summary>
    public Journal Journal { get; internal set; } = Journal.Service;

    /// <summary>True once the call's event was committed together with its change.</summary>
    internal bool Journaled { get; set; }

    /// <summary>The response as serialized for the journal, reused for the answer.</summary>
    internal (object Result, byte[] Bytes)? JournaledResponse { get; set; }

    /// <summary>The IAM prefix of this API's actions ("workspaces", "cloudtrail").</summary>
    public string ActionPrefix { get; init; } = "workspaces";

    public bool IsAllowed(string action, string resourceArn) =>
        Policy is null || Policy.IsAllowed($"{ActionPrefix}:{action}", resourceArn);

    public string WorkspaceArn(string workspaceId) =>
        $"arn:aws:workspaces:{Region}:{AccountId}:workspace/{workspaceId}";

    public string DirectoryArn(string directoryId) =>
        $"arn:aws:workspaces:{Region}:{AccountId}:directory/{directoryId}";

    public string BundleArn(string bundleId) => $"arn:aws:workspaces:{Region}:{AccountId}:workspacebundle/{bundleId}";

    public string DsDirectoryArn(string directoryId) => $"arn:aws:ds:{Region}:{AccountId}:directory/{directoryId}";

    /// <summary>Raises AccessDeniedException unless the policy allows the action on the resource.</summary>
    public void Authorize(string action, string resourceArn)
    {
        if (!IsAllowed(action, resourceArn))
            throw new ApiException(
                ErrorCodes.AccessDenied,
                $"User: {PrincipalArn ?? AccountId} is not authorized to perform: {ActionPrefix}:{action} "
                    + $"on resource: {resourceArn}"
            );
    }
}
