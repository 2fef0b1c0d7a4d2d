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
public sealed class DsDataService(IDatabase db, PageTokens tokens, TimeProvider time)
{
    public async Task<CreateUserResult> CreateUserAsync(CallContext ctx, CreateUserRequest req)
    {
        var id = DsDataRules.Directory(req.DirectoryId);
        var name = DsDataRules.UserName(req.SAMAccountName);
        DsDataRules.Person(req.GivenName, req.Surname, req.EmailAddress, req.OtherAttributes);
        DsDataRules.Token(req.ClientToken);
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
                        DsDataUserShape.Attributes(req.OtherAttributes)
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
        var id = DsDataRules.Directory(req.DirectoryId);
        var name = DsDataRules.UserName(req.SAMAccountName);
        DsDataRules.Names(req.OtherAttributes, "OtherAttributes");
        Validate.Pattern(req.Realm, DsDataRules.RealmPattern(), "Realm");
        ctx.Authorize("DescribeUser", ctx.DsDirectoryArn(id));
        var (d, user) = await db.ReadAsync(async u =>
        {
            var d = await DirectoryAsync(u, ctx, id);
            return (d, await u.DsDirectories.GetUserAsync(d.Seq, name));
        });
        if (user is null)
            throw NotFound(name, id);
        return DsDataUserShape.Describe(d, user, req.OtherAttributes);
    }

    public async Task<ListUsersResult> ListUsersAsync(CallContext ctx, ListUsersRequest req)
    {
        var id = DsDataRules.Directory(req.DirectoryId);
        Validate.Range(req.MaxResults, 1, 250, "MaxResults");
        Validate.Length(req.NextToken, 1, 6144, "NextToken");
        Validate.Pattern(req.Realm, DsDataRules.RealmPattern(), "Realm");
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
        var id = DsDataRules.Directory(req.DirectoryId);
        Validate.Range(req.MaxResults, 1, 250, "MaxResults");
        Validate.Length(req.NextToken, 1, 6144, "NextToken");
        Validate.Pattern(req.Realm, DsDataRules.RealmPattern(), "Realm");
        Validate.Required(req.SearchString, "SearchString");
        Validate.Length(req.SearchString, 1, 64, "SearchString");
        Validate.Required(req.SearchAttributes, "SearchAttributes");
        DsDataRules.Names(req.SearchAttributes, "SearchAttributes");
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
            Users = found.Select(r => DsDataUserShape.Describe(d, r, null)).ToList(),
        };
    }

    /// <summary>A wildcard match, or the search string anywhere, in any of the attributes searched.</summary>
    private static bool Matches(DirectoryUserRecord user, List<string> attributes, string search) =>
        attributes.Any(a =>
            DsDataUserShape
                .Values(user, a)
                .Any(v => Wildcard.Matches(v, search) || v.Contains(search, StringComparison.OrdinalIgnoreCase))
        );

    public async Task<DsDataEmptyResult> UpdateUserAsync(CallContext ctx, UpdateUserRequest req)
    {
        var id = DsDataRules.Directory(req.DirectoryId);
        var name = DsDataRules.UserName(req.SAMAccountName);
        DsDataRules.Person(req.GivenName, req.Surname, req.EmailAddress, req.OtherAttributes);
        DsDataRules.Token(req.ClientToken);
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
                    var attributes = DsDataUserShape.Parse(user.OtherAttributes);
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
                    user.OtherAttributes = DsDataUserShape.Attributes(attributes);
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
        var (id, name) = DsDataRules.User(req);
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
        var (id, name) = DsDataRules.User(req);
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
}
