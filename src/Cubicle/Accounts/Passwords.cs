using System.Security.Cryptography;
using System.Text;

namespace Cubicle.Accounts;

/// <summary>Directory users' passwords: salted PBKDF2-SHA256, stored as pbkdf2-sha256$iterations$salt$hash.</summary>
public static class Passwords
{
    private const int Iterations = 100_000;

    /// <summary>Hashing is slow by design: at most one per core at a time (setting passwords and checking them at
    /// sign-in alike), so that no caller can take every core.</summary>
    public static readonly SemaphoreSlim Slots = new(Math.Max(2, Environment.ProcessorCount));

    /// <summary><see cref="Hash"/> within <see cref="Slots"/>; Throttling when none frees up within 5 s.</summary>
    public static async Task<string> HashAsync(string password)
    {
        if (!await Slots.WaitAsync(TimeSpan.FromSeconds(5)))
            throw new Protocol.ApiException(
                Protocol.ErrorCodes.Throttling,
                "Too many passwords are being set at once. Try again shortly."
            );
        try
        {
            return await Task.Run(() => Hash(password));
        }
        finally
        {
            Slots.Release();
        }
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
