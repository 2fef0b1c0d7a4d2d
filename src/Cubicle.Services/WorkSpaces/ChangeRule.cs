using Cubicle.Domain;
using Cubicle.Protocol;
using Cubicle.Storage;

namespace Cubicle.Services.WorkSpaces;

/// <summary>What a batch state change needs: the states it starts from (those of today's API reference), where it
/// goes, and its work. <paramref name="FromIfStuck"/>: states it starts from only once the workspace has been in
/// them for <see cref="Stuck"/>.</summary>
internal sealed record ChangeRule(
    string Action,
    string Verb,
    string[] From,
    string To,
    string Kind,
    bool NeedsStoppableMode,
    string[]? FromIfStuck = null
)
{
    /// <summary>How long a workspace must have been REBOOTING before it may be rebooted again (the API reference:
    /// "only if your WorkSpace has been stuck in the REBOOTING state for over 20 minutes").</summary>
    public static readonly TimeSpan Stuck = TimeSpan.FromMinutes(20);

    public static readonly ChangeRule Reboot = new(
        "RebootWorkspaces",
        "rebooted",
        [WorkspaceState.Available, WorkspaceState.Unhealthy],
        WorkspaceState.Rebooting,
        TransitionKind.Reboot,
        false,
        [WorkspaceState.Rebooting]
    );

    public static readonly ChangeRule Rebuild = new(
        "RebuildWorkspaces",
        "rebuilt",
        [
            WorkspaceState.Available,
            WorkspaceState.Error,
            WorkspaceState.Unhealthy,
            WorkspaceState.Stopped,
            WorkspaceState.Rebooting,
        ],
        WorkspaceState.Rebuilding,
        TransitionKind.Rebuild,
        false
    );

    public static readonly ChangeRule Start = new(
        "StartWorkspaces",
        "started",
        [WorkspaceState.Stopped],
        WorkspaceState.Starting,
        TransitionKind.Start,
        true
    );

    public static readonly ChangeRule Stop = new(
        "StopWorkspaces",
        "stopped",
        [WorkspaceState.Available, WorkspaceState.Impaired, WorkspaceState.Unhealthy, WorkspaceState.Error],
        WorkspaceState.Stopping,
        TransitionKind.Stop,
        true
    );

    public static readonly ChangeRule Terminate = new(
        "TerminateWorkspaces",
        "terminated",
        [],
        WorkspaceState.Terminating,
        TransitionKind.Terminate,
        false
    );

    public bool Allows(WorkspaceRecord ws, long now) =>
        Array.IndexOf(From, ws.State) >= 0
        || (
            FromIfStuck is { } stuck
            && Array.IndexOf(stuck, ws.State) >= 0
            && now - ws.StateChangedAt > (long)Stuck.TotalMilliseconds
        );

    /// <summary>Why a workspace in its state cannot take this change (null when it can): the batch's per-item
    /// refusal.</summary>
    public ItemFailure? Refusal(WorkspaceRecord ws, long now)
    {
        var id = ws.WorkspaceId;
        if (this == Terminate)
            return ws.State == WorkspaceState.Suspended
                ? new ItemFailure(
                    ErrorCodes.ItemInvalidState,
                    $"The WorkSpace {id} is SUSPENDED and cannot be terminated."
                )
                : null;
        if (NeedsStoppableMode && !RunningMode.IsStoppable(ws.RunningMode))
            return new ItemFailure(
                ErrorCodes.ItemUnsupportedConfiguration,
                $"The WorkSpace {id} runs in {ws.RunningMode} mode; only AUTO_STOP and MANUAL WorkSpaces can be {Verb}."
            );
        if (Allows(ws, now))
            return null;
        var stuck = FromIfStuck is { } s
            ? $", or {string.Join(" or ", s)} for over {Stuck.TotalMinutes} minutes."
            : ".";
        return new ItemFailure(
            ErrorCodes.ItemInvalidState,
            $"The WorkSpace {id} is {ws.State}; it can be {Verb} only when it is {string.Join(" or ", From)}{stuck}"
        );
    }
}
