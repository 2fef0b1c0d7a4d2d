using System.Text.Json;
using Cubicle.Domain;
using Cubicle.Storage;

namespace Cubicle.Services.WorkSpaces;

/// <summary>
/// A workspace as the API shows it. Each row caches its rendering, so a page of DescribeWorkspaces is served
/// without rebuilding it; the renderer's version goes with it, and a row of another version is rendered again.
/// </summary>
public static class WorkspaceJson
{
    /// <summary>Raise when <see cref="ToApi"/> changes what it writes.</summary>
    public const int Version = 1;

    public static RenderedJson Render(WorkspaceRecord ws) =>
        new(JsonSerializer.SerializeToUtf8Bytes(ToApi(ws), ApiJsonContext.Default.Workspace), Version);

    public static Workspace ToApi(WorkspaceRecord ws) =>
        new()
        {
            WorkspaceId = ws.WorkspaceId,
            DirectoryId = ws.DirectoryId,
            UserName = ws.UserName,
            IpAddress = ws.IpAddress,
            State = ws.State,
            BundleId = ws.BundleId,
            SubnetId = ws.SubnetId,
            ErrorCode = ws.ErrorCode,
            ErrorMessage = ws.ErrorMessage,
            ComputerName = ws.ComputerName,
            VolumeEncryptionKey = ws.VolumeEncryptionKey,
            UserVolumeEncryptionEnabled = ws.UserVolumeEncryptionEnabled,
            RootVolumeEncryptionEnabled = ws.RootVolumeEncryptionEnabled,
            WorkspaceName = ws.WorkspaceName,
            WorkspaceProperties = new WorkspaceProperties
            {
                RunningMode = ws.RunningMode,
                RunningModeAutoStopTimeoutInMinutes =
                    ws.RunningMode == RunningMode.AutoStop ? ws.AutoStopTimeout : null,
                RootVolumeSizeGib = ws.RootVolumeSizeGib,
                UserVolumeSizeGib = ws.UserVolumeSizeGib,
                ComputeTypeName = ws.ComputeTypeName,
                Protocols = ws.Protocols?.Split(',').ToList(),
                OperatingSystemName = ws.OperatingSystemName,
            },
        };

    /// <summary>Writes the row with its rendering.</summary>
    public static Task SaveAsync(this IWorkspaceStore store, WorkspaceRecord ws) => store.UpdateAsync(ws, Render(ws));

    /// <summary>Inserts the row with its rendering; returns its seq.</summary>
    public static Task<long> AddAsync(this IWorkspaceStore store, WorkspaceRecord ws) =>
        store.InsertAsync(ws, Render(ws));

    /// <summary>Renders again, in batches, the rows another renderer version made (run at start).</summary>
    public static async Task<int> RefreshStaleAsync(IDatabase db)
    {
        var done = 0;
        var after = 0L;
        while (true)
        {
            var rows = await db.ReadAsync(u => u.Workspaces.StaleRenderedAsync(Version, after, 500));
            if (rows.Count == 0)
                return done;
            after = rows[^1].Seq;
            var seqs = rows.Select(r => r.Seq).ToList();
            await db.WriteAsync(
                Journal.Service,
                async u =>
                {
                    // Read again inside the transaction: a change made meanwhile must not be overwritten.
                    foreach (var ws in await u.Workspaces.GetBySeqsAsync(seqs))
                        await u.Workspaces.SaveAsync(ws);
                    return 0;
                }
            );
            done += rows.Count;
        }
    }
}
