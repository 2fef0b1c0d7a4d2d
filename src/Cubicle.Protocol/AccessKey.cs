namespace Cubicle.Protocol;

/// <summary>An access key: whose it is, its secret, and the policy that limits it (none: all allowed).</summary>
public sealed record AccessKey(
    string AccessKeyId,
    string SecretAccessKey,
    string AccountId,
    IAccessPolicy? Policy,
    bool IsRoot,
    string? User = null
)
{
    /// <summary>The IAM user name a non-root key acts as (its own id when none was given).</summary>
    public string? UserName => IsRoot ? null : User ?? AccessKeyId;
    public string PrincipalArn =>
        IsRoot ? $"arn:aws:iam::{AccountId}:root" : $"arn:aws:iam::{AccountId}:user/{UserName}";
}
