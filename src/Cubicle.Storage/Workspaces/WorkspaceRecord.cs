namespace Cubicle.Storage;

/// <summary>A workspace row. Times are Unix milliseconds.</summary>
public sealed class WorkspaceRecord
{
    public long Seq { get; set; }
    public string WorkspaceId { get; set; } = "";
    public string AccountId { get; set; } = "";
    public string Region { get; set; } = "";
    public string DirectoryId { get; set; } = "";
    public string UserName { get; set; } = "";
    public string BundleId { get; set; } = "";
    public string State { get; set; } = "";
    public string? IpAddress { get; set; }
    public string? SubnetId { get; set; }
    public string? ComputerName { get; set; }
    public string RunningMode { get; set; } = "ALWAYS_ON";
    public int? AutoStopTimeout { get; set; }
    public int? RootVolumeSizeGib { get; set; }
    public int? UserVolumeSizeGib { get; set; }
    public string? ComputeTypeName { get; set; }

    /// <summary>Comma-separated Protocols.</summary>
    public string? Protocols { get; set; }
    public string? OperatingSystemName { get; set; }
    public bool? RootVolumeEncryptionEnabled { get; set; }
    public bool? UserVolumeEncryptionEnabled { get; set; }
    public string? VolumeEncryptionKey { get; set; }
    public string? WorkspaceName { get; set; }
    public string? ErrorCode { get; set; }
    public string? ErrorMessage { get; set; }
    public long CreatedAt { get; set; }
    public long StateChangedAt { get; set; }
    public string ConnectionState { get; set; } = "DISCONNECTED";
    public long? ConnectionCheckedAt { get; set; }
    public long? LastConnectedAt { get; set; }

    /// <summary>Since when the user has been away: the base of the AutoStop timer.</summary>
    public long? DisconnectedAt { get; set; }
    public long? TerminatedAt { get; set; }

    /// <summary>The node whose desktops run this workspace (local desktops); null when any node may.</summary>
    public string? HostId { get; set; }

    /// <summary>How many times the row was saved: a save checks it is still the row it read (see
    /// <see cref="StaleRowException"/>).</summary>
    public int Version { get; set; }
}
