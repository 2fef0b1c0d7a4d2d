using Cubicle.Storage;

namespace Cubicle.Services.WorkSpaces;

/// <summary>What a desktop sign-in came to: the kind (a page and status for the browser), how long to wait before
/// trying again, and the workspace it reached, when it reached one.</summary>
public sealed record SignInOutcome(
    SignInOutcome.Kind Result,
    WorkspaceRecord? Workspace = null,
    TimeSpan RetryAfter = default
)
{
    public enum Kind
    {
        /// <summary>Signed in: the user's desktop may open.</summary>
        SignedIn,

        /// <summary>Wrong code, user, password, or no workspace: all answered alike.</summary>
        Invalid,

        /// <summary>Too many failures from this network or for this user.</summary>
        Wait,

        /// <summary>Every password check is busy.</summary>
        Busy,

        /// <summary>The user's own directory (LDAP) cannot be reached.</summary>
        DirectoryUnreachable,

        /// <summary>The directory is not REGISTERED with WorkSpaces.</summary>
        DirectoryUnavailable,

        /// <summary>ModifyWorkspaceAccessProperties denies web browsers.</summary>
        WebDenied,

        /// <summary>The workspace is in ADMIN_MAINTENANCE.</summary>
        Maintenance,

        /// <summary>The workspace is in a state no desktop opens from.</summary>
        NotOpenable,
    }
}
