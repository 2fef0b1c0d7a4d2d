namespace Cubicle.Server;

public sealed record ListedKey(string AccessKeyId, string AccountId, string CreatedAt, bool HasPolicy);
