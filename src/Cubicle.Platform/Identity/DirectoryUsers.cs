using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Cubicle.Accounts;
using Cubicle.Storage;

namespace Cubicle.Identity;

/// <summary>
/// The users of a directory, wherever they live: in the database for a Simple AD, in the customer's LDAP directory
/// for an AD Connector. What WorkSpaces asks of them (does this user exist? is this their password?) is answered
/// here for both kinds.
/// </summary>
public sealed partial class DirectoryUsers(IDatabase db, LdapConnector ldap)
{
    public const string SimpleAd = "SimpleAD";
    public const string AdConnector = "ADConnector";

    private readonly LdapCheckSlots _ldapChecks = new();

    /// <summary>Simple AD's password rule (as Active Directory's): 8 to 64 characters, with three of lower case,
    /// upper case, digits and other characters.</summary>
    public static bool IsStrong(string password) =>
        password.Length is >= 8 and <= 64
        && new[]
        {
            Lower().IsMatch(password),
            Upper().IsMatch(password),
            Digit().IsMatch(password),
            Other().IsMatch(password),
        }.Count(x => x) >= 3;

    [GeneratedRegex("[a-z]")]
    private static partial Regex Lower();

    [GeneratedRegex("[A-Z]")]
    private static partial Regex Upper();

    [GeneratedRegex("[0-9]")]
    private static partial Regex Digit();

    [GeneratedRegex("[^A-Za-z0-9\\s]")]
    private static partial Regex Other();

    /// <summary>A domain SID for a new directory: S-1-5-21 and three random sub-authorities.</summary>
    public static string NewSidPrefix() =>
        $"S-1-5-21-{RandomNumberGenerator.GetInt32(int.MaxValue)}-{RandomNumberGenerator.GetInt32(int.MaxValue)}-"
        + $"{RandomNumberGenerator.GetInt32(int.MaxValue)}";

    /// <summary>Adds a user to a Simple AD (disabled until it has a password); false when the name is taken.</summary>
    public static async Task<DirectoryUserRecord?> AddAsync(
        IUnitOfWork u,
        DsDirectoryRecord d,
        string userName,
        long now,
        string? givenName = null,
        string? surname = null,
        string? email = null,
        string? otherAttributes = null
    )
    {
        if (await u.DsDirectories.GetUserAsync(d.Seq, userName) is not null)
            return null;
        var rid = await u.DsDirectories.TakeRidAsync(d.Seq);
        var user = new DirectoryUserRecord
        {
            DirectorySeq = d.Seq,
            UserName = userName,
            Rid = rid,
            Sid = $"{d.SidPrefix}-{rid}",
            GivenName = givenName,
            Surname = surname,
            Email = email,
            OtherAttributes = otherAttributes,
            Enabled = false,
            CreatedAt = now,
            UpdatedAt = now,
        };
        return await u.DsDirectories.InsertUserAsync(user) ? user : null;
    }

    /// <summary>Users of the directory that exist, of those named: from the database, or from LDAP (outside any
    /// transaction). LdapUnreachableException when an AD Connector's servers do not answer.</summary>
    public async Task<bool> ExistsAsync(DsDirectoryRecord d, string userName, CancellationToken ct = default) =>
        d.Type == AdConnector
            ? await ldap.FindUserAsync(d, userName, ct) is not null
            : await db.ReadAsync(u => u.DsDirectories.GetUserAsync(d.Seq, userName), ct) is not null;

    /// <summary>The check of a user's password for a sign-in: a bind to the customer's directory (outside the hashing
    /// slots, within the directory's own <see cref="LdapCheckSlots"/>: Busy when they are all taken), or the stored
    /// hash of an enabled Simple AD user (the same work when there is none).</summary>
    public async Task<Func<Task<SignInGuard.Result>>> PasswordCheckAsync(
        DsDirectoryRecord d,
        string userName,
        string password
    )
    {
        if (d.Type == AdConnector)
            return async () =>
            {
                using var slot = _ldapChecks.TryEnter(d.Seq);
                if (slot is null)
                    return new(SignInGuard.Verdict.Busy, ldap.Timeout);
                return SignInGuard.Answer(await ldap.VerifyAsync(d, userName, password));
            };
        var user = await db.ReadAsync(u => u.DsDirectories.GetUserAsync(d.Seq, userName));
        return SignInGuard.AgainstHash(d.AccountId, password, user is { Enabled: true } ? user.PasswordHash : null);
    }
}
