namespace Cubicle.Workspaces;

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
        [Pending, Available, Impaired, Unhealthy, Rebooting, Starting, Rebuilding, Restoring, AdminMaintenance, Updating];
}

public static class RunningMode
{
    public const string AutoStop = "AUTO_STOP";
    public const string AlwaysOn = "ALWAYS_ON";
    public const string Manual = "MANUAL";

    /// <summary>Only these can be stopped and started by the API (the seed: AutoStop; today also Manual).</summary>
    public static bool IsStoppable(string mode) => mode is AutoStop or Manual;
}

public static class ConnectionState
{
    public const string Connected = "CONNECTED";
    public const string Disconnected = "DISCONNECTED";
    public const string Unknown = "UNKNOWN";
}

/// <summary>The kinds of lifecycle transition rows.</summary>
public static class TransitionKind
{
    public const string Provision = "PROVISION";
    public const string Reboot = "REBOOT";
    public const string Rebuild = "REBUILD";
    public const string Start = "START";
    public const string Stop = "STOP";
    public const string Terminate = "TERMINATE";
    /// <summary>Removes a TERMINATED workspace from listings once its retention has passed.</summary>
    public const string Purge = "PURGE";
    /// <summary>A timer: stop an AUTO_STOP workspace whose user has been away for its timeout.</summary>
    public const string AutoStop = "AUTOSTOP";
    /// <summary>Brings back the root and user volumes from the last snapshots, then starts a clean session.</summary>
    public const string Restore = "RESTORE";
    /// <summary>Applies new volume sizes or compute type to the desktop, then AVAILABLE (or STOPPED again).</summary>
    public const string Modify = "MODIFY";
    public const string ModifyStopped = "MODIFY_STOPPED";
    /// <summary>A timer: snapshots the workspace's volumes (soon after creation, then every --snapshot-hours).</summary>
    public const string Snapshot = "SNAPSHOT";

    /// <summary>What a new transition replaces: any other transition under way, and the AutoStop timer.</summary>
    public static readonly string[] Superseded =
        [Provision, Reboot, Rebuild, Start, Stop, Terminate, Restore, Modify, ModifyStopped, AutoStop];
}
