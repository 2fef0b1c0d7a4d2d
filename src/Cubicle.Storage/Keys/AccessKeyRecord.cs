namespace Cubicle.Storage;

/// <summary>An access key made with `keys create`; the secret is stored encrypted.</summary>
public sealed class AccessKeyRecord
{
    public string AccessKeyId { get; set; } = "";
    public string AccountId { get; set; } = "";
    public byte[] SecretCiphertext { get; set; } = [];
    public string? Policy { get; set; }
    public string? UserName { get; set; }
    public long CreatedAt { get; set; }
}
