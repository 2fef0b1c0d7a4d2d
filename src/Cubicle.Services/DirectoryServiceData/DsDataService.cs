using System.Text.Json;
using System.Text.RegularExpressions;
using Cubicle.Domain;
using Cubicle.Identity;
using Cubicle.Protocol;
using Cubicle.Storage;

namespace Cubicle.Services.DirectoryServiceData;

/// <summary>
/// Directory Service Data's user actions on a Simple AD (whose data access is enabled): create, describe, list,
/// search, update, disable and delete users. A new user is disabled until ResetUserPassword gives it a password, as in
/// Directory Service; a disabled or deleted user can no longer sign in, and their open desktop sessions end.
/// </summary>
public sealed partial class DsDataService(IDatabase db, PageTokens tokens, TimeProvider time)
{
    [GeneratedRegex("^d-[0-9a-f]{10}\\z")]
    private static partial Regex DirectoryIdPattern();

    [GeneratedRegex("^[\\w\\-.]+\\z")]
    private static partial Regex UserNamePattern();

    [GeneratedRegex("^[A-Za-z*][A-Za-z-*]*\\z")]
    private static partial Regex AttributeNamePattern();

    [GeneratedRegex("^([a-zA-Z0-9]+[\\\\.-])+([a-zA-Z0-9])+[.]?\\z")]
    private static partial Regex RealmPattern();

    [GeneratedRegex("^[\\x00-\\x7F]+\\z")]
    private static partial Regex ClientTokenPattern();

    public async Task<CreateUserResult> CreateUserAsync(CallContext ctx, CreateUserRequest req)
    {
        var id = Directory(req.DirectoryId);
        var name = UserName(req.SAMAccountName);
        Person(req.GivenName, req.Surname, req.EmailAddress, req.OtherAttributes);
        Token(req.ClientToken);
        ctx.Authorize("CreateUser", ctx.DsDirectoryArn(id));
        return await db.WriteAsync(
            ctx.Journal,
            async u =>
            {
                var d = await DirectoryAsync(u, ctx, id);
                var user =
                    await DirectoryUsers.AddAsync(
                        u,
                        d,
                        name,
                        Now,
                        req.GivenName,
                        req.Surname,
                        req.EmailAddress,
                        Attributes(req.OtherAttributes)
                    )
                    ?? throw new ApiException(
                        "ConflictException",
                        $"A user named {name} already exists in directory {id}.",
                        409
                    );
                return new CreateUserResult
                {
                    DirectoryId = id,
                    SAMAccountName = user.UserName,
                    SID = user.Sid,
                };
            }
        );
    }

    public async Task<DescribeUserResult> DescribeUserAsync(CallContext ctx, DescribeUserRequest req)
    {
        var id = Directory(req.DirectoryId);
        var name = UserName(req.SAMAccountName);
        Names(req.OtherAttributes, "OtherAttributes");
        Validate.Pattern(req.Realm, RealmPattern(), "Realm");
        ctx.Authorize("DescribeUser", ctx.DsDirectoryArn(id));
        var (d, user) = await db.ReadAsync(async u =>
        {
            var d = await DirectoryAsync(u, ctx, id);
            return (d, await u.DsDirectories.GetUserAsync(d.Seq, name));
        });
        if (user is null)
            throw NotFound(name, id);
        return Describe(d, user, req.OtherAttributes);
    }

    public async Task<ListUsersResult> ListUsersAsync(CallContext ctx, ListUsersRequest req)
    {
        var id = Directory(req.DirectoryId);
        Validate.Range(req.MaxResults, 1, 250, "MaxResults");
        Validate.Length(req.NextToken, 1, 6144, "NextToken");
        Validate.Pattern(req.Realm, RealmPattern(), "Realm");
        ctx.Authorize("ListUsers", ctx.DsDirectoryArn(id));
        var limit = req.MaxResults ?? 250;
        var hash = PageTokens.Hash("ListUsers", ctx.AccountId, ctx.Region, id);
        var after = ReadToken(req.NextToken, hash);
        var (d, rows) = await db.ReadAsync(async u =>
        {
            var d = await DirectoryAsync(u, ctx, id);
            return (d, await u.DsDirectories.ListUsersAsync(d.Seq, after, limit + 1));
        });
        var next = tokens.Cut(rows, limit, hash, r => r.Rid);
        return new ListUsersResult
        {
            DirectoryId = id,
            Realm = d.Name,
            NextToken = next,
            Users = rows.Select(r => new UserSummary
                {
                    Enabled = r.Enabled,
                    GivenName = r.GivenName,
                    SAMAccountName = r.UserName,
                    SID = r.Sid,
                    Surname = r.Surname,
                })
                .ToList(),
        };
    }

    public async Task<SearchUsersResult> SearchUsersAsync(CallContext ctx, SearchUsersRequest req)
    {
        var id = Directory(req.DirectoryId);
        Validate.Range(req.MaxResults, 1, 250, "MaxResults");
        Validate.Length(req.NextToken, 1, 6144, "NextToken");
        Validate.Pattern(req.Realm, RealmPattern(), "Realm");
        Validate.Required(req.SearchString, "SearchString");
        Validate.Length(req.SearchString, 1, 64, "SearchString");
        Validate.Required(req.SearchAttributes, "SearchAttributes");
        Names(req.SearchAttributes, "SearchAttributes");
        ctx.Authorize("SearchUsers", ctx.DsDirectoryArn(id));
        var limit = req.MaxResults ?? 250;
        var hash = PageTokens.Hash(
            "SearchUsers",
            ctx.AccountId,
            ctx.Region,
            id,
            req.SearchString,
            string.Join(",", req.SearchAttributes!)
        );
        var after = ReadToken(req.NextToken, hash);
        var search = req.SearchString!;
        var found = new List<DirectoryUserRecord>();
        DsDirectoryRecord d = null!;
        // Users are read a page at a time in order: a search costs what it scans, and resumes where it stopped.
        while (found.Count <= limit)
        {
            var from = after;
            var (dir, page) = await db.ReadAsync(async u =>
            {
                var dir = await DirectoryAsync(u, ctx, id);
                return (dir, await u.DsDirectories.ListUsersAsync(dir.Seq, from, 500));
            });
            d = dir;
            foreach (var user in page)
            {
                if (Matches(user, req.SearchAttributes!, search))
                    found.Add(user);
                after = user.Rid;
                if (found.Count > limit)
                    break;
            }
            if (page.Count < 500)
                break;
        }
        var next = tokens.Cut(found, limit, hash, r => r.Rid);
        return new SearchUsersResult
        {
            DirectoryId = id,
            Realm = d.Name,
            NextToken = next,
            Users = found.Select(r => Describe(d, r, null)).ToList(),
        };
    }

    /// <summary>A wildcard match, or the search string anywhere, in any of the attributes searched.</summary>
    private static bool Matches(DirectoryUserRecord user, List<string> attributes, string search) =>
        attributes.Any(a =>
            Values(user, a)
                .Any(v => Wildcard.Matches(v, search) || v.Contains(search, StringComparison.OrdinalIgnoreCase))
        );

    public async Task<DsDataEmptyResult> UpdateUserAsync(CallContext ctx, UpdateUserRequest req)
    {
        var id = Directory(req.DirectoryId);
        var name = UserName(req.SAMAccountName);
        Person(req.GivenName, req.Surname, req.EmailAddress, req.OtherAttributes);
        Token(req.ClientToken);
        Validate.OneOf(req.UpdateType, ["ADD", "REPLACE", "REMOVE"], "UpdateType");
        ctx.Authorize("UpdateUser", ctx.DsDirectoryArn(id));
        await db.WriteAsync(
            ctx.Journal,
            async u =>
            {
                var d = await DirectoryAsync(u, ctx, id);
                var user = await u.DsDirectories.GetUserAsync(d.Seq, name) ?? throw NotFound(name, id);
                var remove = req.UpdateType == "REMOVE";
                if (req.GivenName is not null)
                    user.GivenName = remove ? null : req.GivenName;
                if (req.Surname is not null)
                    user.Surname = remove ? null : req.Surname;
                if (req.EmailAddress is not null)
                    user.Email = remove ? null : req.EmailAddress;
                if (req.OtherAttributes is { } changes)
                {
                    var attributes = Parse(user.OtherAttributes);
                    foreach (var (key, value) in changes)
                    {
                        if (remove)
                            attributes.Remove(key);
                        else if (req.UpdateType == "ADD" && attributes.ContainsKey(key))
                            throw new ApiException(
                                "ValidationException",
                                $"OtherAttributes.{key} already has a value; use REPLACE."
                            )
                            {
                                Reason = "ATTRIBUTE_EXISTS",
                            };
                        else
                            attributes[key] = value;
                    }
                    user.OtherAttributes = Attributes(attributes);
                }
                user.UpdatedAt = Now;
                await u.DsDirectories.UpdateUserAsync(user);
                return DsDataEmptyResult.Instance;
            }
        );
        return DsDataEmptyResult.Instance;
    }

    public async Task<DsDataEmptyResult> DisableUserAsync(CallContext ctx, UserRequest req)
    {
        var (id, name) = User(req);
        ctx.Authorize("DisableUser", ctx.DsDirectoryArn(id));
        await db.WriteAsync(
            ctx.Journal,
            async u =>
            {
                var d = await DirectoryAsync(u, ctx, id);
                var user = await u.DsDirectories.GetUserAsync(d.Seq, name) ?? throw NotFound(name, id);
                user.Enabled = false;
                user.UpdatedAt = Now;
                await u.DsDirectories.UpdateUserAsync(user);
                await u.Sessions.DeleteByUserAsync(ctx.AccountId, ctx.Region, id, user.UserName);
                return DsDataEmptyResult.Instance;
            }
        );
        return DsDataEmptyResult.Instance;
    }

    public async Task<DsDataEmptyResult> DeleteUserAsync(CallContext ctx, UserRequest req)
    {
        var (id, name) = User(req);
        ctx.Authorize("DeleteUser", ctx.DsDirectoryArn(id));
        await db.WriteAsync(
            ctx.Journal,
            async u =>
            {
                var d = await DirectoryAsync(u, ctx, id);
                if (!await u.DsDirectories.DeleteUserAsync(d.Seq, name))
                    throw NotFound(name, id);
                await u.Sessions.DeleteByUserAsync(ctx.AccountId, ctx.Region, id, name);
                return DsDataEmptyResult.Instance;
            }
        );
        return DsDataEmptyResult.Instance;
    }

    // ---------------------------------------------------------------- shared

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The caller's Simple AD, Active, with data access enabled.</summary>
    private static async Task<DsDirectoryRecord> DirectoryAsync(IUnitOfWork u, CallContext ctx, string id)
    {
        var d = await u.DsDirectories.GetAsync(ctx.AccountId, ctx.Region, id);
        if (d is null)
            throw new ApiException(
                "AccessDeniedException",
                $"Directory {id} does not exist in this account and region.",
                403
            )
            {
                Reason = "DIRECTORY_AUTH",
            };
        if (d.Type != DirectoryUsers.SimpleAd || d.DataAccess != DataAccessStates.Enabled)
            throw new ApiException(
                "AccessDeniedException",
                $"Directory Service Data access is not enabled for directory {id} (see EnableDirectoryDataAccess).",
                403
            )
            {
                Reason = "DATA_DISABLED",
            };
        if (d.Stage != DirectoryStages.Active)
            throw new ApiException("DirectoryUnavailableException", $"Directory {id} is {d.Stage}, not Active.")
            {
                Reason = "INVALID_DIRECTORY_STATE",
            };
        return d;
    }

    private static DescribeUserResult Describe(DsDirectoryRecord d, DirectoryUserRecord r, List<string>? wanted)
    {
        var all = Parse(r.OtherAttributes);
        var other = wanted is null
            ? null
            : all.Where(a => wanted.Contains(a.Key, StringComparer.OrdinalIgnoreCase))
                .ToDictionary(a => a.Key, a => a.Value);
        return new DescribeUserResult
        {
            DirectoryId = d.DirectoryId,
            SAMAccountName = r.UserName,
            SID = r.Sid,
            Enabled = r.Enabled,
            GivenName = r.GivenName,
            Surname = r.Surname,
            EmailAddress = r.Email,
            Realm = d.Name,
            UserPrincipalName = $"{r.UserName}@{d.Name}",
            DistinguishedName = $"CN={r.UserName},CN=Users,{LdapConnector.SearchBase(d.Name)}",
            OtherAttributes = other is { Count: > 0 } ? other : null,
        };
    }

    /// <summary>A user's values of an attribute, by its LDAP name.</summary>
    private static IEnumerable<string> Values(DirectoryUserRecord r, string attribute)
    {
        switch (attribute.ToLowerInvariant())
        {
            case "samaccountname":
                yield return r.UserName;
                break;
            case "givenname":
                if (r.GivenName is not null)
                    yield return r.GivenName;
                break;
            case "sn" or "surname":
                if (r.Surname is not null)
                    yield return r.Surname;
                break;
            case "mail" or "emailaddress":
                if (r.Email is not null)
                    yield return r.Email;
                break;
            default:
                if (
                    Parse(r.OtherAttributes)
                        .FirstOrDefault(a => string.Equals(a.Key, attribute, StringComparison.OrdinalIgnoreCase))
                        .Value is
                    { } v
                )
                {
                    if (v.S is not null)
                        yield return v.S;
                    if (v.N is not null)
                        yield return v.N.Value.ToString();
                    foreach (var s in v.SS ?? [])
                        yield return s;
                }
                break;
        }
    }

    private static Dictionary<string, AttributeValue> Parse(string? json) =>
        json is null
            ? []
            : JsonSerializer.Deserialize(json, DsDataJsonContext.Default.DictionaryStringAttributeValue) ?? [];

    private static string? Attributes(Dictionary<string, AttributeValue>? attributes) =>
        attributes is not { Count: > 0 }
            ? null
            : JsonSerializer.Serialize(attributes, DsDataJsonContext.Default.DictionaryStringAttributeValue);

    private long ReadToken(string? token, uint hash)
    {
        if (token is null)
            return 0;
        try
        {
            return tokens.Read(token, hash);
        }
        catch (ApiException ex)
        {
            throw new ApiException("ValidationException", ex.Message) { Reason = "INVALID_NEXT_TOKEN" };
        }
    }

    private static ApiException NotFound(string name, string id) =>
        new("ResourceNotFoundException", $"User {name} does not exist in directory {id}.", 404);

    private static string Directory(string? id)
    {
        Validate.Required(id, "DirectoryId");
        Validate.Pattern(id, DirectoryIdPattern(), "DirectoryId");
        return id!;
    }

    private static string UserName(string? name)
    {
        Validate.Required(name, "SAMAccountName");
        Validate.Length(name, 1, 20, "SAMAccountName");
        Validate.Pattern(name, UserNamePattern(), "SAMAccountName");
        return name!;
    }

    private static (string, string) User(UserRequest req)
    {
        Token(req.ClientToken);
        return (Directory(req.DirectoryId), UserName(req.SAMAccountName));
    }

    private static void Token(string? token)
    {
        Validate.Length(token, 1, 128, "ClientToken");
        Validate.Pattern(token, ClientTokenPattern(), "ClientToken");
    }

    private static void Person(
        string? givenName,
        string? surname,
        string? email,
        Dictionary<string, AttributeValue>? other
    )
    {
        Validate.Length(givenName, 1, 64, "GivenName");
        Validate.Length(surname, 1, 64, "Surname");
        Validate.Length(email, 1, 256, "EmailAddress");
        if (other is null)
            return;
        if (other.Count is < 1 or > 25)
            throw Validate.Fail("OtherAttributes", "it must hold between 1 and 25 attributes.");
        foreach (var (key, value) in other)
        {
            Validate.Length(key, 1, 63, "OtherAttributes");
            Validate.Pattern(key, AttributeNamePattern(), "OtherAttributes");
            if (
                value is null
                || new object?[] { value.S, value.N, value.SS, value.BOOL }.Count(x => x is not null) != 1
            )
                throw Validate.Fail($"OtherAttributes.{key}", "give exactly one of S, N, SS and BOOL.");
            Validate.Length(value.S, 1, 1024, $"OtherAttributes.{key}.S");
            Validate.Count(value.SS, 0, 25, $"OtherAttributes.{key}.SS");
        }
    }

    private static void Names(List<string>? names, string member)
    {
        Validate.Count(names, 1, 25, member);
        for (var i = 0; i < (names?.Count ?? 0); i++)
        {
            Validate.Length(names![i], 1, 63, $"{member}[{i}]");
            Validate.Pattern(names[i], AttributeNamePattern(), $"{member}[{i}]");
        }
    }
}
