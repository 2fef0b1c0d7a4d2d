namespace Cubicle.Storage;

/// <summary>The Directory Service statements. Those both engines run alike are written here once (the defaults);
/// each engine gives the rest (required) in its dialect.</summary>
public sealed record DsDirectorySql
{
    /// <summary>@accountId, @region, @directoryId.</summary>
    public string Get { get; init; } =
        "SELECT * FROM ds_directories WHERE account_id=@accountId AND region=@region AND directory_id=@directoryId";

    /// <summary>@seq.</summary>
    public string GetBySeq { get; init; } = "SELECT * FROM ds_directories WHERE seq=@seq";

    /// <summary>@accountId, @region, @afterSeq, @limit.</summary>
    public string List { get; init; } =
        "SELECT * FROM ds_directories WHERE account_id=@accountId AND region=@region AND seq>@afterSeq "
        + "ORDER BY seq LIMIT @limit";

    /// <summary><see cref="List"/> with @ids.</summary>
    public required string ListByIds { get; init; }

    /// <summary>The record's members; returns seq.</summary>
    public string Insert { get; init; } =
        """
            INSERT INTO ds_directories(account_id, region, directory_id, type, name, short_name, description,
              size, alias,
              stage, stage_reason, launch_time, stage_changed_at, vpc_id, subnet_ids, security_group_id, dns_ips,
              customer_dns_ips, customer_user_name, secret_ciphertext, data_access, sid_prefix, next_rid)
            VALUES (@AccountId, @Region, @DirectoryId, @Type, @Name, @ShortName, @Description, @Size, @Alias,
              @Stage, @StageReason, @LaunchTime, @StageChangedAt, @VpcId, @SubnetIds, @SecurityGroupId, @DnsIps,
              @CustomerDnsIps, @CustomerUserName, @SecretCiphertext, @DataAccess, @SidPrefix, @NextRid)
            RETURNING seq
            """;
    public string Update { get; init; } =
        """
            UPDATE ds_directories SET name=@Name, short_name=@ShortName, description=@Description, size=@Size,
              alias=@Alias, stage=@Stage, stage_reason=@StageReason, stage_changed_at=@StageChangedAt,
              vpc_id=@VpcId,
              subnet_ids=@SubnetIds, security_group_id=@SecurityGroupId, dns_ips=@DnsIps,
              customer_dns_ips=@CustomerDnsIps, customer_user_name=@CustomerUserName,
              secret_ciphertext=@SecretCiphertext, data_access=@DataAccess, version=version+1
            WHERE seq=@Seq AND version=@Version
            """;

    /// <summary>@seq.</summary>
    public string Delete { get; init; } = "DELETE FROM ds_directories WHERE seq=@seq";

    /// <summary>@seq: moves next_rid on, returning the one taken.</summary>
    public string TakeRid { get; init; } =
        "UPDATE ds_directories SET next_rid=next_rid+1 WHERE seq=@seq RETURNING next_rid-1";

    /// <summary>@seq, @user.</summary>
    public required string GetUser { get; init; }

    /// <summary>@seq, @after (a relative id), @limit.</summary>
    public string ListUsers { get; init; } =
        "SELECT * FROM ds_users WHERE directory_seq=@seq AND rid>@after ORDER BY rid LIMIT @limit";

    /// <summary>The record's members; returns nothing when the name is taken.</summary>
    public string InsertUser { get; init; } =
        """
            INSERT INTO ds_users(directory_seq, user_name, rid, sid, given_name, surname, email, enabled,
              other_attributes,
              password_hash, created_at, updated_at)
            VALUES (@DirectorySeq, @UserName, @Rid, @Sid, @GivenName, @Surname, @Email, @Enabled, @OtherAttributes,
              @PasswordHash, @CreatedAt, @UpdatedAt)
            ON CONFLICT DO NOTHING
            """;
    public required string UpdateUser { get; init; }

    /// <summary>@seq, @user.</summary>
    public required string DeleteUser { get; init; }
}
