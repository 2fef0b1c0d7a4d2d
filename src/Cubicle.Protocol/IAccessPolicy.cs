namespace Cubicle.Protocol;

/// <summary>An IAM-style policy attached to an access key.</summary>
public interface IAccessPolicy
{
    /// <param name="action">The full action, e.g. workspaces:DescribeWorkspaces.</param>
    /// <param name="resourceArn">The resource's ARN, or "*" for calls without one.</param>
    bool IsAllowed(string action, string resourceArn);

    /// <summary>
    /// Whether the action is allowed on some resource: an Allow names it and no Deny refuses it everywhere. The
    /// console shows an action's controls by this; the call itself is still judged by <see cref="IsAllowed"/>.
    /// </summary>
    bool MayAllow(string action);
}
