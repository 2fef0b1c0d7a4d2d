namespace Cubicle.Storage;

/// <summary>The host statements. Those both engines run alike are written here once (the defaults); each engine
/// gives the rest (required) in its dialect.</summary>
public sealed record HostSql
{
    private const string Columns =
        "name, url, started_at, heartbeat_at, capacity, disk_bytes, disk_free_bytes, disk_used_bytes, "
        + "memory_bytes, memory_used_bytes, disk_ratio, disk_reserve_percent, memory_ratio";

    /// <summary>The record's members.</summary>
    public string Upsert { get; init; } =
        $"INSERT INTO hosts({Columns}) VALUES (@Name, @Url, @StartedAt, @HeartbeatAt, @Capacity, @DiskBytes, "
        + "@DiskFreeBytes, @DiskUsedBytes, @MemoryBytes, @MemoryUsedBytes, @DiskRatio, @DiskReservePercent, "
        + "@MemoryRatio) ON CONFLICT(name) DO UPDATE SET url=excluded.url, started_at=excluded.started_at, "
        + "heartbeat_at=excluded.heartbeat_at, capacity=excluded.capacity, disk_bytes=excluded.disk_bytes, "
        + "disk_free_bytes=excluded.disk_free_bytes, disk_used_bytes=excluded.disk_used_bytes, "
        + "memory_bytes=excluded.memory_bytes, memory_used_bytes=excluded.memory_used_bytes, "
        + "disk_ratio=excluded.disk_ratio, disk_reserve_percent=excluded.disk_reserve_percent, "
        + "memory_ratio=excluded.memory_ratio";

    /// <summary>@name.</summary>
    public string Get { get; init; } = "SELECT * FROM hosts WHERE name=@name";

    /// <summary>@name: the row, locked until the transaction ends.</summary>
    public required string Lock { get; init; }

    /// <summary>@hostId, @states (running): <see cref="HostLoadRow"/>s of the workspaces not TERMINATED.</summary>
    public required string Load { get; init; }
    public string List { get; init; } = "SELECT * FROM hosts ORDER BY name";
}
