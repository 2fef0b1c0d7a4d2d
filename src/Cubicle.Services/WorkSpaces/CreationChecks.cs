using System.Text.Json;
using Cubicle.Domain;
using Cubicle.Identity;
using Cubicle.Protocol;
using Cubicle.Storage;

namespace Cubicle.Services.WorkSpaces;

/// <summary>The checks of CreateWorkspaces' items inside its transaction, in the order their refusals are reported:
/// settings, permission, bundle, directory, user, tags, one workspace per user. Directories read once per batch.
/// </summary>
internal sealed class CreationChecks(
    CallContext ctx,
    IUnitOfWork u,
    BundleCatalog bundles,
    IReadOnlyDictionary<string, UserLookup> external
)
{
    private readonly HashSet<string> _claimed = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, (RegistrationRecord?, WorkspaceDirectory?)> _directories = new(
        StringComparer.Ordinal
    );

    public static string ExternalKey(WorkspaceRequest item) =>
        item.DirectoryId + "\n" + item.UserName!.ToLowerInvariant();

    public async Task<CreationCheck> CheckAsync(WorkspaceRequest item)
    {
        if ((Settings(item) ?? Access(item)) is { } refused)
            return new CreationCheck(refused, null, null);
        var bundle = bundles.Find(item.BundleId!);
        if (bundle is null)
            return CreationCheck.Refused(
                ErrorCodes.ItemBundleNotFound,
                $"The bundle {item.BundleId} could not be found."
            );
        var (directory, ds, failure) = await DirectoryAsync(item);
        failure ??= await UserAsync(item, ds!) ?? Tags(item) ?? await DuplicateAsync(item);
        return failure is null ? new CreationCheck(null, directory, bundle) : new CreationCheck(failure, null, null);
    }

    private static ItemFailure? Settings(WorkspaceRequest item) =>
        item.WorkspaceProperties
            is { RunningMode: not RunningMode.AutoStop, RunningModeAutoStopTimeoutInMinutes: not null } p
            ? new ItemFailure(
                ErrorCodes.ItemAutoStopTimeoutNotApplicable,
                "RunningModeAutoStopTimeoutInMinutes applies only to AUTO_STOP WorkSpaces, not to "
                    + $"{p.RunningMode ?? RunningMode.AlwaysOn} ones."
            )
            : null;

    private ItemFailure? Access(WorkspaceRequest item) =>
        ctx.IsAllowed("CreateWorkspaces", ctx.DirectoryArn(item.DirectoryId!))
        && ctx.IsAllowed("CreateWorkspaces", ctx.BundleArn(item.BundleId!))
            ? null
            : new ItemFailure(
                ErrorCodes.ItemAccessDenied,
                $"User: {ctx.PrincipalArn ?? ctx.AccountId} is not authorized to perform: "
                    + $"workspaces:CreateWorkspaces with directory {item.DirectoryId} and bundle {item.BundleId}."
            );

    /// <summary>The directory, registered with WorkSpaces and usable in Directory Service, or why not.</summary>
    private async Task<(WorkspaceDirectory?, DsDirectoryRecord?, ItemFailure?)> DirectoryAsync(WorkspaceRequest item)
    {
        var id = item.DirectoryId!;
        if (!_directories.TryGetValue(id, out var found))
        {
            var row = await u.Registrations.GetAsync(ctx.AccountId, ctx.Region, id);
            var body = row is null
                ? null
                : JsonSerializer.Deserialize(row.Body, ApiJsonContext.Default.WorkspaceDirectory);
            _directories[id] = found = (row, body);
        }
        var (record, directory) = found;
        if (record is null)
            return Refused(
                ErrorCodes.ItemDirectoryNotFound,
                $"The directory {id} could not be found in account {ctx.AccountId}, region {ctx.Region}."
            );
        if (directory!.State != "REGISTERED")
            return Refused(
                ErrorCodes.ItemDirectoryState,
                $"The directory {id} is {directory.State}, not REGISTERED with WorkSpaces."
            );
        var ds = await u.DsDirectories.GetAsync(ctx.AccountId, ctx.Region, id);
        if (ds is null || ds.Stage is not (DirectoryStages.Active or DirectoryStages.Impaired))
            return Refused(
                ErrorCodes.ItemDirectoryState,
                $"The directory {id} is {ds?.Stage ?? "gone"} in Directory Service."
            );
        return (directory, ds, null);
    }

    private static (WorkspaceDirectory?, DsDirectoryRecord?, ItemFailure?) Refused(string code, string message) =>
        (null, null, new ItemFailure(code, message));

    private async Task<ItemFailure?> UserAsync(WorkspaceRequest item, DsDirectoryRecord ds)
    {
        var missing = new ItemFailure(
            ErrorCodes.ItemUserNotFound,
            $"The user {item.UserName} could not be found in the directory {item.DirectoryId}."
        );
        if (ds.Type != DirectoryUsers.AdConnector)
            return await u.DsDirectories.GetUserAsync(ds.Seq, item.UserName!) is null ? missing : null;
        // Users of AD Connector directories were looked up in the customer's directory before the transaction.
        if (external.TryGetValue(ExternalKey(item), out var found) && found.Unreachable is null)
            return found.Exists ? null : missing;
        return new ItemFailure(
            ErrorCodes.ItemDirectoryState,
            $"The directory {item.DirectoryId} cannot reach its LDAP servers: {found?.Unreachable}"
        );
    }

    private static ItemFailure? Tags(WorkspaceRequest item) =>
        item.Tags is { } tags && tags.Select(t => t.Key).Distinct().Count() > TagService.MaxTagsPerResource
            ? new ItemFailure(
                ErrorCodes.ResourceLimitExceeded,
                $"A WorkSpace can have at most {TagService.MaxTagsPerResource} tags."
            )
            : null;

    private async Task<ItemFailure?> DuplicateAsync(WorkspaceRequest item) =>
        !_claimed.Add(item.DirectoryId + "\n" + item.UserName)
        || await u.Workspaces.HasActiveAsync(ctx.AccountId, ctx.Region, item.DirectoryId!, item.UserName!)
            ? new ItemFailure(
                ErrorCodes.ItemWorkspaceExists,
                $"The user {item.UserName} already has a WorkSpace in directory {item.DirectoryId}."
            )
            : null;
}
