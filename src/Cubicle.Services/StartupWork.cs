using Cubicle.Cluster;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cubicle.Services;

/// <summary>The data work before a node serves: the directories file (or the demo directory) loaded, the node's first
/// heartbeat as a desktop host, and workspaces rendered again for this version. Registered before every other hosted
/// service, so none of them runs on data not yet loaded; a failure stops the start.</summary>
public sealed class StartupWork(
    IDatabase db,
    CubicleOptions options,
    HostHeartbeat heartbeat,
    TimeProvider time,
    ILogger<StartupWork> log
) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        await DirectoryLoader.LoadAsync(db, options.DirectoriesFile, time);
        if (options.DirectoriesFile is null)
            log.LogInformation(
                "No --directories file: loaded the demo directory {Directory} with users {Users}.",
                DirectoryLoader.DemoDirectoryId,
                string.Join(", ", DirectoryLoader.DemoUsers)
            );
        await heartbeat.BeatAsync(time.GetUtcNow().ToUnixTimeMilliseconds());
        var refreshed = await WorkspaceJson.RefreshStaleAsync(db);
        if (refreshed > 0)
            log.LogInformation("Rendered {Count} workspaces again for this version", refreshed);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
