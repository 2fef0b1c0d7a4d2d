using Cubicle.Domain;
using Cubicle.Protocol;
using Cubicle.Storage;

namespace Cubicle.Services.WorkSpaces;

/// <summary>The user's connections to a desktop, as the desktop bridge and the admin action report them: they drive
/// ConnectionState and AutoStop.</summary>
public sealed class WorkspaceConnections(IDatabase db, WorkspaceLifecycle lifecycle)
{
    /// <summary>Records a user connecting to or leaving their desktop; drives ConnectionState and AutoStop.</summary>
    public Task<WorkspaceRecord> RecordConnectionAsync(string workspaceId, bool connected) =>
        RecordConnectionAsync(Journal.Service, null, workspaceId, connected);

    /// <summary>
    /// The same, as an API call of an account (the admin action) or for the service (the desktop bridge).
    /// </summary>
    public Task<WorkspaceRecord> RecordConnectionAsync(
        Journal journal,
        CallContext? ctx,
        string workspaceId,
        bool connected
    ) =>
        db.WriteAsync(
            journal,
            async u =>
            {
                var now = lifecycle.Now;
                var ws =
                    (
                        ctx is null
                            ? await u.Workspaces.GetByIdAsync(workspaceId)
                            : await u.Workspaces.GetAsync(ctx.AccountId, ctx.Region, workspaceId)
                    ) ?? throw ApiException.NotFound($"The WorkSpace {workspaceId} could not be found.", workspaceId);
                if (connected && ws.State != WorkspaceState.Available)
                    throw new ApiException(
                        ErrorCodes.InvalidResourceState,
                        $"The WorkSpace {workspaceId} is {ws.State}; a user can connect only when it is AVAILABLE."
                    );
                ws.ConnectionCheckedAt = now;
                if (connected)
                {
                    ws.ConnectionState = ConnectionState.Connected;
                    ws.LastConnectedAt = now;
                    ws.DisconnectedAt = null;
                }
                else if (ws.ConnectionState == ConnectionState.Connected)
                {
                    ws.ConnectionState = ConnectionState.Disconnected;
                    ws.LastConnectedAt = now; // the last moment the user was known to be connected
                    ws.DisconnectedAt = now;
                }
                await u.Workspaces.SaveAsync(ws);
                await lifecycle.ArmAutoStopAsync(u, ws, now);
                return ws;
            }
        );
}
