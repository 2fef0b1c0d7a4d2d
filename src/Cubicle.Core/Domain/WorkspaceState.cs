namespace Cubicle.Domain;

public static class WorkspaceState
{
    public const string Pending = "PENDING";
    public const string Available = "AVAILABLE";
    public const string Impaired = "IMPAIRED";
    public const string Unhealthy = "UNHEALTHY";
    public const string Rebooting = "REBOOTING";
    public const string Starting = "STARTING";
    public const string Rebuilding = "REBUILDING";
    public const string Terminating = "TERMINATING";
    public const string Terminated = "TERMINATED";
    public const string Suspended = "SUSPENDED";
    public const string Stopping = "STOPPING";
    public const string Stopped = "STOPPED";
    public const string Error = "ERROR";
    public const string Updating = "UPDATING";
    public const string Restoring = "RESTORING";
    public const string AdminMaintenance = "ADMIN_MAINTENANCE";

    /// <summary>The states in which a workspace holds a desktop on its host.</summary>
    public static readonly string[] Running =
    [
        Pending,
        Available,
        Impaired,
        Unhealthy,
        Rebooting,
        Starting,
        Rebuilding,
        Restoring,
        AdminMaintenance,
        Updating,
    ];
}
