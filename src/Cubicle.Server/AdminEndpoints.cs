using System.Net;
using Cubicle.Protocol;
using Cubicle.Workspaces;

namespace Cubicle.Server;

/// <summary>
/// Operator endpoints outside the AWS API, reachable from loopback only. Until real desktops report
/// connections, these record a user connecting to and leaving a workspace (for tests and demos).
/// </summary>
public static class AdminEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapPost("/admin/workspaces/{workspaceId}/connect", (HttpContext http, string workspaceId, WorkspaceService svc) => Record(http, svc, workspaceId, true));
        app.MapPost("/admin/workspaces/{workspaceId}/disconnect", (HttpContext http, string workspaceId, WorkspaceService svc) => Record(http, svc, workspaceId, false));
    }

    /// <summary>`POST /admin/workspaces/{id}/snapshot`: snapshots the user volume now (local desktops).</summary>
    public static void MapSnapshots(WebApplication app, Cubicle.Desktops.LocalDesktopProvider desktops) =>
        app.MapPost("/admin/workspaces/{workspaceId}/snapshot", async (HttpContext http, string workspaceId, Cubicle.Storage.IStore store) =>
        {
            if (http.Connection.RemoteIpAddress is { } ip && !IPAddress.IsLoopback(ip)) return Results.StatusCode(403);
            var ws = await store.ReadAsync(r => r.GetWorkspaceById(workspaceId));
            if (ws is null || !Directory.Exists(desktops.HomeOf(workspaceId))) return Results.NotFound();
            var file = await desktops.SnapshotAsync(workspaceId, DateTimeOffset.UtcNow);
            return Results.Text($"{{\"Snapshot\":\"{Path.GetFileName(file)}\"}}", "application/json");
        });

    private static async Task Record(HttpContext http, WorkspaceService svc, string workspaceId, bool connected)
    {
        if (http.Connection.RemoteIpAddress is { } ip && !IPAddress.IsLoopback(ip))
        {
            await AwsJsonEndpoint.WriteErrorAsync(http.Response, new ApiException(ErrorCodes.AccessDenied, "Admin endpoints answer only on loopback.", 403));
            return;
        }
        try
        {
            var ws = await svc.RecordConnectionAsync(workspaceId, connected);
            await http.Response.WriteAsJsonAsync(new ConnectionReply(ws.WorkspaceId, ws.ConnectionState), AdminJson.Default.ConnectionReply);
        }
        catch (ApiException ex)
        {
            await AwsJsonEndpoint.WriteErrorAsync(http.Response, ex);
        }
    }
}

public sealed record ConnectionReply(string WorkspaceId, string ConnectionState);

[System.Text.Json.Serialization.JsonSerializable(typeof(ConnectionReply))]
public sealed partial class AdminJson : System.Text.Json.Serialization.JsonSerializerContext;
