namespace Cubicle.Storage;

/// <summary>The access key statements. Those both engines run alike are written here once (the defaults); each
/// engine gives the rest (required) in its dialect.</summary>
public sealed record AccessKeySql
{
    /// <summary>@accessKeyId.</summary>
    public string Get { get; init; } = "SELECT * FROM access_keys WHERE access_key_id=@accessKeyId";

    /// <summary>@accountId (null: every account).</summary>
    public required string List { get; init; }

    /// <summary>The record's members.</summary>
    public string Insert { get; init; } =
        "INSERT INTO access_keys(access_key_id, account_id, secret_ciphertext, policy, user_name, created_at) "
        + "VALUES (@AccessKeyId, @AccountId, @SecretCiphertext, @Policy, @UserName, @CreatedAt)";

    /// <summary>@accessKeyId.</summary>
    public string Delete { get; init; } = "DELETE FROM access_keys WHERE access_key_id=@accessKeyId";
    public string KeyRing { get; init; } = "SELECT xml FROM key_ring ORDER BY created_at, name";

    /// <summary>@name, @xml, @createdAt.</summary>
    public string AddToKeyRing { get; init; } =
        "INSERT INTO key_ring(name, xml, created_at) VALUES (@name, @xml, @createdAt) ON CONFLICT(name) DO NOTHING";
}
