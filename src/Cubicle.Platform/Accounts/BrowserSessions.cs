using System.Security.Cryptography;
using System.Text;
using Cubicle.Storage;

namespace Cubicle.Accounts;

/// <summary>
/// Signed-in browser sessions, kept server-side: the browser holds a random id (its cookie), the database only that
/// id's hash. A session can therefore be ended from anywhere (sign-out, a password change, the workspace stopping),
/// and nothing in the database lets anyone act as the session.
/// </summary>
public sealed class BrowserSessions(IDatabase db, TimeProvider time)
{
    /// <summary>Starts a session like <paramref name="session"/>; returns the id for the cookie.</summary>
    public async Task<string> CreateAsync(SessionRecord session, TimeSpan lifetime)
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        session.IdHash = Hash(token);
        session.CreatedAt = now;
        session.ExpiresAt = now + (long)lifetime.TotalMilliseconds;
        await db.WriteAsync(
            Journal.Service,
            async u =>
            {
                await u.Sessions.DeleteExpiredAsync(now);
                await u.Sessions.InsertAsync(session);
                return 0;
            }
        );
        return token;
    }

    /// <summary>The live session of this kind the cookie names, or null.</summary>
    public async Task<SessionRecord?> FindAsync(string? token, string kind)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 64)
            return null;
        var session = await db.ReadAsync(u => u.Sessions.GetAsync(Hash(token)));
        return
            session is not null && session.Kind == kind && session.ExpiresAt > time.GetUtcNow().ToUnixTimeMilliseconds()
            ? session
            : null;
    }

    /// <summary>Whether the session (by its id's hash) is still live.</summary>
    public async Task<bool> IsLiveAsync(string idHash) =>
        await db.ReadAsync(u => u.Sessions.GetAsync(idHash)) is { } s
        && s.ExpiresAt > time.GetUtcNow().ToUnixTimeMilliseconds();

    public Task EndAsync(string token) => db.WriteAsync(Journal.Service, u => u.Sessions.DeleteAsync(Hash(token)));

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Base64Url(byte[] data) =>
        Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
