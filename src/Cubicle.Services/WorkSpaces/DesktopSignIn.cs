using System.Net;
using Cubicle.Accounts;
using Cubicle.Domain;
using Cubicle.Identity;
using Cubicle.Storage;

namespace Cubicle.Services.WorkSpaces;

/// <summary>A WorkSpaces user signing in as the clients do (registration code, user name, password): guarded by
/// <see cref="SignInGuard"/>, then the directory's own settings, then the user's workspace (a STOPPED AutoStop one
/// starts, as the clients do).</summary>
public sealed class DesktopSignIn(IDatabase db, DirectoryUsers users, SignInGuard guard, WorkspaceStateChanges changes)
{
    /// <summary>States in which a signed-in user waits for the desktop to open.</summary>
    private static readonly string[] Openable =
    [
        WorkspaceState.Available,
        WorkspaceState.Pending,
        WorkspaceState.Starting,
        WorkspaceState.Rebooting,
        WorkspaceState.Rebuilding,
        WorkspaceState.Unhealthy,
    ];

    public async Task<SignInOutcome> SignInAsync(string code, string user, string password, IPAddress? client)
    {
        var keys = SignInKeys.For(code.ToLowerInvariant(), user, client);
        var (directory, ds) = await db.ReadAsync(async u =>
        {
            var d = (await u.Registrations.FindByRegistrationCodeAsync(code)).FirstOrDefault();
            return (d, d is null ? null : await u.DsDirectories.GetAsync(d.AccountId, d.Region, d.DirectoryId));
        });
        // An unknown code costs the same as a wrong password, and counts as one; its hashing shares the slots of no
        // tenant (""), so a flood of made-up codes starves none.
        var check = ds is null
            ? SignInGuard.AgainstHash("", password, null)
            : await users.PasswordCheckAsync(ds, user, password);
        SignInGuard.Result result;
        try
        {
            result = await guard.CheckAsync(keys, check);
        }
        catch (LdapUnreachableException)
        {
            return new SignInOutcome(SignInOutcome.Kind.DirectoryUnreachable);
        }
        return result.Verdict switch
        {
            SignInGuard.Verdict.Wait => new SignInOutcome(SignInOutcome.Kind.Wait, RetryAfter: result.RetryAfter),
            SignInGuard.Verdict.Busy => new SignInOutcome(SignInOutcome.Kind.Busy, RetryAfter: result.RetryAfter),
            SignInGuard.Verdict.Invalid => new SignInOutcome(SignInOutcome.Kind.Invalid),
            _ => await OpenAsync(directory!, user),
        };
    }

    /// <summary>After the password: the directory's own settings, then the user's workspace.</summary>
    private async Task<SignInOutcome> OpenAsync(RegistrationRecord directory, string user)
    {
        var registration = Registrations.Parse(directory);
        if (registration.State != "REGISTERED")
            return new SignInOutcome(SignInOutcome.Kind.DirectoryUnavailable);
        if (registration.WorkspaceAccessProperties?.DeviceTypeWeb == "DENY")
            return new SignInOutcome(SignInOutcome.Kind.WebDenied);
        var query = new WorkspaceQuery(
            directory.AccountId,
            directory.Region,
            null,
            directory.DirectoryId,
            user,
            null,
            null,
            0,
            10
        );
        var ws = (await db.ReadAsync(u => u.Workspaces.ListAsync(query))).FirstOrDefault(w =>
            w.State != WorkspaceState.Terminated
        );
        if (ws is null)
            return new SignInOutcome(SignInOutcome.Kind.Invalid);
        if (ws.State == WorkspaceState.AdminMaintenance)
            return new SignInOutcome(SignInOutcome.Kind.Maintenance, ws);
        if (ws.State == WorkspaceState.Stopped)
            ws = await changes.StartForSignInAsync(ws.Seq) ?? ws;
        return Array.IndexOf(Openable, ws.State) < 0
            ? new SignInOutcome(SignInOutcome.Kind.NotOpenable, ws)
            : new SignInOutcome(SignInOutcome.Kind.SignedIn, ws);
    }
}
