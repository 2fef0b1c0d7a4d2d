namespace Cubicle.Accounts;

/// <summary>An access key: whose it is, its secret, and the policy that limits it (none: all allowed).</summary>
public sealed record AccessKey(string AccessKeyId, string SecretAccessKey, string AccountId, IAccessPolicy? Policy, bool IsRoot)
{
    public string PrincipalArn => IsRoot ? $"arn:aws:iam::{AccountId}:root" : $"arn:aws:iam::{AccountId}:user/{AccessKeyId}";
}

/// <summary>Finds access keys by id. The root key of the default account is always there.</summary>
public interface IKeyStore
{
    AccessKey? Find(string accessKeyId);
}
