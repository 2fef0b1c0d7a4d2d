using System.Security.Cryptography;
using System.Text;
using Cubicle.Accounts;
using Cubicle.Domain;
using Cubicle.Identity;
using Cubicle.Network;
using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;

namespace Cubicle.Services.DirectoryService;

/// <summary>Who may use a Simple AD's users, and how: ResetUserPassword, and its opening to Directory Service Data
/// (Enable/Disable/DescribeDirectoryDataAccess).</summary>
public sealed class DsUserAccess(IDatabase db, DirectoryLifecycle lifecycle, TimeProvider time)
{
    public async Task<DsEmptyResult> ResetUserPasswordAsync(CallContext ctx, ResetUserPasswordRequest req)
    {
        var id = DsValidate.DirectoryId(req.DirectoryId);
        Validate.Required(req.UserName, "UserName");
        Validate.Length(req.UserName, 1, 64, "UserName");
        Validate.Pattern(req.UserName, DsValidate.ResetUserNamePattern(), "UserName");
        Validate.Required(req.NewPassword, "NewPassword");
        Validate.Length(req.NewPassword, 1, 127, "NewPassword");
        ctx.Authorize("ResetUserPassword", ctx.DsDirectoryArn(id));
        // Everything that can refuse the call is checked before the (deliberately slow) hashing, which is bounded.
        await db.ReadAsync(u => ResettableUserAsync(u, ctx, id, req));
        var hash = await Passwords.HashAsync(ctx.AccountId, req.NewPassword!);
        await db.WriteAsync(
            ctx.Journal,
            async u =>
            {
                var user = await ResettableUserAsync(u, ctx, id, req);
                user.PasswordHash = hash;
                user.Enabled = true; // as in Directory Service: resetting the password is how a user is enabled
                user.UpdatedAt = time.GetUtcNow().ToUnixTimeMilliseconds();
                await u.DsDirectories.UpdateUserAsync(user);
                // Whoever is signed in as the user must sign in again with the new password.
                await u.Sessions.DeleteByUserAsync(ctx.AccountId, ctx.Region, id, user.UserName);
                return DsEmptyResult.Instance;
            }
        );
        return DsEmptyResult.Instance;
    }

    private static async Task<DirectoryUserRecord> ResettableUserAsync(
        IUnitOfWork u,
        CallContext ctx,
        string id,
        ResetUserPasswordRequest req
    )
    {
        var d = await DsService.Existing(u, ctx, id);
        if (d.Type != DirectoryUsers.SimpleAd)
            throw new ApiException(
                DsErrors.UnsupportedOperation,
                $"Directory {id} is an AD Connector: reset the password in the directory it connects to."
            );
        if (d.Stage != DirectoryStages.Active)
            throw new ApiException(DsErrors.DirectoryUnavailable, $"Directory {id} is {d.Stage}, not Active.");
        var user =
            await u.DsDirectories.GetUserAsync(d.Seq, req.UserName!)
            ?? throw new ApiException(
                DsErrors.UserDoesNotExist,
                $"User {req.UserName} does not exist in directory {id}."
            );
        if (!DirectoryUsers.IsStrong(req.NewPassword!))
            throw new ApiException(
                DsErrors.InvalidPassword,
                "The new password does not meet the directory's rules: 8 to 64 characters, with three of lower "
                    + "case, upper case, digits and other characters."
            );
        return user;
    }

    public Task<DsEmptyResult> EnableDataAccessAsync(CallContext ctx, DirectoryIdShape req) =>
        ChangeDataAccessAsync(ctx, req, enable: true);

    public Task<DsEmptyResult> DisableDataAccessAsync(CallContext ctx, DirectoryIdShape req) =>
        ChangeDataAccessAsync(ctx, req, enable: false);

    private async Task<DsEmptyResult> ChangeDataAccessAsync(CallContext ctx, DirectoryIdShape req, bool enable)
    {
        var id = DsValidate.DirectoryId(req.DirectoryId);
        ctx.Authorize(enable ? "EnableDirectoryDataAccess" : "DisableDirectoryDataAccess", ctx.DsDirectoryArn(id));
        await db.WriteAsync(
            ctx.Journal,
            async u =>
            {
                var d =
                    await u.DsDirectories.GetAsync(ctx.AccountId, ctx.Region, id)
                    ?? throw new ApiException(DsErrors.DirectoryDoesNotExist, $"Directory {id} does not exist.");
                if (d.Type != DirectoryUsers.SimpleAd)
                    throw new ApiException(
                        DsErrors.UnsupportedOperation,
                        "Directory Service Data serves Simple AD directories."
                    );
                if (d.Stage != DirectoryStages.Active)
                    throw new ApiException(DsErrors.DirectoryUnavailable, $"Directory {id} is {d.Stage}, not Active.");
                var target = enable ? DataAccessStates.Enabled : DataAccessStates.Disabled;
                if (
                    d.DataAccess == target
                    || d.DataAccess == (enable ? DataAccessStates.Enabling : DataAccessStates.Disabling)
                )
                    throw new ApiException(
                        DsErrors.DirectoryInDesiredState,
                        $"Data access of directory {id} is already {d.DataAccess}."
                    );
                d.DataAccess = enable ? DataAccessStates.Enabling : DataAccessStates.Disabling;
                await u.DsDirectories.UpdateAsync(d);
                await lifecycle.QueueAsync(
                    u,
                    d,
                    enable ? DirectoryJobs.EnableDataAccess : DirectoryJobs.DisableDataAccess
                );
                return DsEmptyResult.Instance;
            }
        );
        return DsEmptyResult.Instance;
    }

    public async Task<DescribeDirectoryDataAccessResult> DescribeDataAccessAsync(CallContext ctx, DirectoryIdShape req)
    {
        var id = DsValidate.DirectoryId(req.DirectoryId);
        ctx.Authorize("DescribeDirectoryDataAccess", ctx.DsDirectoryArn(id));
        var d =
            await db.ReadAsync(u => u.DsDirectories.GetAsync(ctx.AccountId, ctx.Region, id))
            ?? throw new ApiException(DsErrors.DirectoryDoesNotExist, $"Directory {id} does not exist.");
        if (d.Type != DirectoryUsers.SimpleAd)
            throw new ApiException(
                DsErrors.UnsupportedOperation,
                "Directory Service Data serves Simple AD directories."
            );
        return new DescribeDirectoryDataAccessResult { DataAccessStatus = d.DataAccess };
    }
}
