namespace Cubicle.Domain;

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

    /// <summary>
    /// A timer: snapshots the workspace's volumes (soon after creation, then every --snapshot-hours).
    /// </summary>
    public const string Snapshot = "SNAPSHOT";

    /// <summary>What a new transition replaces: any other transition under way, and the AutoStop timer.</summary>
    public static readonly string[] Superseded =
    [
        Provision,
        Reboot,
        Rebuild,
        Start,
        Stop,
        Terminate,
        Restore,
        Modify,
        ModifyStopped,
        AutoStop,
    ];
}
