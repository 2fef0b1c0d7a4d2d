namespace Cubicle.Accounts;

/// <summary>An IAM-style policy attached to an access key.</summary>
public interface IAccessPolicy
{
    /// <param name="action">The full action, e.g. workspaces:DescribeWorkspaces.</param>
    /// <param name="resourceArn">The resource's ARN, or "*" for calls without one.</param>
    bool IsAllowed(string action, string resourceArn);
}
