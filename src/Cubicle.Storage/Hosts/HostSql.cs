namespace Cubicle.Storage;

/// <summary>The host statements. Those both engines run alike are written here once (the defaults); each engine
/// gives the rest (required) in its dialect.</summary>
public sealed record HostSql
{
    /// <summary>The record's members.</summary>
    public string Upsert { get; init; } =
        "INSERT INTO hosts(name, url, started_at, heartbeat_at, capacity) "
        + "VALUES (@Name, @Url, @StartedAt, @HeartbeatAt, @Capacity) ON CONFLICT(name) DO UPDATE SET "
        + "url=excluded.url, started_at=excluded.started_at, heartbeat_at=excluded.heartbeat_at, "
        + "capacity=excluded.capacity";

    /// <summary>@name.</summary>
    public required string Lock { get; init; }
    public string List { get; init; } = "SELECT * FROM hosts ORDER BY name";
}
