namespace Cubicle.Server;

public sealed record CreatedKey(string AccessKeyId, string SecretAccessKey, string AccountId);
