using System.Security.Cryptography;
using System.Text;
using Cubicle.Protocol;

namespace Cubicle.Accounts;

/// <summary>Directory users' passwords: salted PBKDF2-SHA256, stored as pbkdf2-sha256$iterations$salt$hash.</summary>
public static class Passwords
{
    private const int Iterations = 100_000;

    /// <summary><see cref="Hash"/> within one of the account's <see cref="HashSlots"/>; Throttling when none frees
    /// up within 5 s.</summary>
    public static async Task<string> HashAsync(string account, string password)
    {
        using var slot =
            await HashSlots.EnterAsync(account, TimeSpan.FromSeconds(5))
            ?? throw new ApiException(
                ErrorCodes.Throttling,
                "Too many passwords are being set at once. Try again shortly."
            );
        return await Task.Run(() => Hash(password));
    }

    public static string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(
            Encoding.UTF8.GetBytes(password),
            salt,
            Iterations,
            HashAlgorithmName.SHA256,
            32
        );
        return $"pbkdf2-sha256${Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    public static bool Verify(string password, string? stored)
    {
        var parts = stored?.Split('$');
        if (parts is not { Length: 4 } || parts[0] != "pbkdf2-sha256" || !int.TryParse(parts[1], out var iterations))
            return false;
        var expected = Convert.FromBase64String(parts[3]);
        var actual = Rfc2898DeriveBytes.Pbkdf2(
            Encoding.UTF8.GetBytes(password),
            Convert.FromBase64String(parts[2]),
            iterations,
            HashAlgorithmName.SHA256,
            expected.Length
        );
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }
}
