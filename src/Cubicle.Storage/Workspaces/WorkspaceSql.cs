namespace Cubicle.Storage;

/// <summary>The workspace statements. Those both engines run alike are written here once (the defaults); each
/// engine gives the rest (required) in its dialect.</summary>
public sealed record WorkspaceSql
{
    /// <summary>The columns of a <see cref="WorkspaceRecord"/>, for the engines' own reads.</summary>
    internal const string Columns =
        "seq, workspace_id, account_id, region, directory_id, user_name, bundle_id, state, ip_address, subnet_id, "
        + "computer_name, running_mode, auto_stop_timeout, root_volume_size_gib, user_volume_size_gib, "
        + "compute_type_name, "
        + "protocols, operating_system_name, root_volume_encryption_enabled, user_volume_encryption_enabled, "
        + "volume_encryption_key, workspace_name, error_code, error_message, created_at, state_changed_at, "
        + "connection_state, "
        + "connection_checked_at, last_connected_at, disconnected_at, terminated_at, host_id, version";

    /// <summary>@workspaceId, @accountId, @region.</summary>
    public string Get { get; init; } =
        $"SELECT {Columns} FROM workspaces "
        + "WHERE workspace_id=@workspaceId AND account_id=@accountId AND region=@region";
    public string GetById { get; init; } = $"SELECT {Columns} FROM workspaces WHERE workspace_id=@workspaceId";
    public string GetBySeq { get; init; } = $"SELECT {Columns} FROM workspaces WHERE seq=@seq";

    /// <summary>@seqs.</summary>
    public required string GetBySeqs { get; init; }

    /// <summary>The query's members (@AccountId, @Region, @AfterSeq, @WorkspaceIds, @Limit).</summary>
    public required string ListByIds { get; init; }
    public required string RenderedByIds { get; init; }

    /// <summary>Keyset pages: @a account, @r region, @s after seq, @l limit; @f the filter's value; @g the user.
    /// An engine may leave @l out: the store reads no more than the limit.</summary>
    public required IReadOnlyDictionary<WorkspaceFilter, string> Pages { get; init; }
    public required IReadOnlyDictionary<WorkspaceFilter, string> RenderedPages { get; init; }

    /// <summary>@version, @afterSeq, @limit.</summary>
    public string StaleRendered { get; init; } =
        $"SELECT {Columns} FROM workspaces "
        + "WHERE api_json_version<>@version AND seq>@afterSeq ORDER BY seq LIMIT @limit";

    /// <summary>@state, @afterSeq, @limit.</summary>
    public required string InState { get; init; }

    /// <summary>@a, @r, @d, @u.</summary>
    public required string HasActive { get; init; }

    /// <summary>@accountId, @region, @directoryId.</summary>
    public required string CountActiveInDirectory { get; init; }

    /// <summary>@accountId: upserts and locks the usage row, returning its count.</summary>
    public string LockAccount { get; init; } =
        "INSERT INTO account_usage(account_id, active_workspaces) VALUES (@accountId, 0) "
        + "ON CONFLICT(account_id) DO UPDATE SET account_id=excluded.account_id RETURNING active_workspaces";

    /// <summary>@accountId, @delta.</summary>
    public required string ChangeActiveCount { get; init; }

    /// <summary>@hostId, @states.</summary>
    /// <summary>@states.</summary>
    public required string CountInStates { get; init; }

    /// <summary>@a, @s, @i.</summary>
    public string IpInUse { get; init; } =
        "SELECT EXISTS(SELECT 1 FROM workspaces WHERE account_id=@a AND subnet_id=@s AND ip_address=@i "
        + "AND state<>'TERMINATED')";

    /// <summary>The record's members plus @ApiJson, @ApiJsonVersion; returns seq.</summary>
    public string Insert { get; init; } =
        """
            INSERT INTO workspaces(workspace_id, account_id, region, directory_id, user_name, bundle_id, state,
              ip_address, subnet_id, computer_name, running_mode, auto_stop_timeout, root_volume_size_gib,
              user_volume_size_gib, compute_type_name, protocols, operating_system_name,
              root_volume_encryption_enabled,
              user_volume_encryption_enabled, volume_encryption_key, workspace_name, error_code, error_message,
              created_at, state_changed_at, connection_state, connection_checked_at, last_connected_at,
              disconnected_at, terminated_at, host_id, api_json, api_json_version)
            VALUES (@WorkspaceId, @AccountId, @Region, @DirectoryId, @UserName, @BundleId, @State,
              @IpAddress, @SubnetId, @ComputerName, @RunningMode, @AutoStopTimeout, @RootVolumeSizeGib,
              @UserVolumeSizeGib, @ComputeTypeName, @Protocols, @OperatingSystemName, @RootVolumeEncryptionEnabled,
              @UserVolumeEncryptionEnabled, @VolumeEncryptionKey, @WorkspaceName, @ErrorCode, @ErrorMessage,
              @CreatedAt, @StateChangedAt, @ConnectionState, @ConnectionCheckedAt, @LastConnectedAt,
              @DisconnectedAt, @TerminatedAt, @HostId, @ApiJson, @ApiJsonVersion)
            RETURNING seq
            """;
    public string Update { get; init; } =
        """
            UPDATE workspaces SET state=@State, ip_address=@IpAddress, subnet_id=@SubnetId,
              running_mode=@RunningMode,
              auto_stop_timeout=@AutoStopTimeout, root_volume_size_gib=@RootVolumeSizeGib,
              user_volume_size_gib=@UserVolumeSizeGib, compute_type_name=@ComputeTypeName, protocols=@Protocols,
              operating_system_name=@OperatingSystemName, error_code=@ErrorCode, error_message=@ErrorMessage,
              state_changed_at=@StateChangedAt, connection_state=@ConnectionState,
              connection_checked_at=@ConnectionCheckedAt, last_connected_at=@LastConnectedAt,
              disconnected_at=@DisconnectedAt, terminated_at=@TerminatedAt, host_id=@HostId,
              api_json=@ApiJson, api_json_version=@ApiJsonVersion, version=version+1
            WHERE seq=@Seq AND version=@Version
            """;

    /// <summary>@seq.</summary>
    public string Delete { get; init; } =
        "DELETE FROM workspace_snapshots WHERE workspace_seq=@seq; DELETE FROM workspaces WHERE seq=@seq";

    /// <summary>@seq, @takenAt: records one and drops all but the newest three.</summary>
    public string AddSnapshot { get; init; } =
        "INSERT INTO workspace_snapshots(workspace_seq, taken_at) VALUES (@seq, @takenAt) ON CONFLICT DO NOTHING";
    public string PruneSnapshots { get; init; } =
        "DELETE FROM workspace_snapshots WHERE workspace_seq=@seq AND taken_at NOT IN "
        + "(SELECT taken_at FROM workspace_snapshots WHERE workspace_seq=@seq ORDER BY taken_at DESC LIMIT 3)";

    /// <summary>@seq.</summary>
    public string Snapshots { get; init; } =
        "SELECT taken_at FROM workspace_snapshots WHERE workspace_seq=@seq ORDER BY taken_at DESC";
}
