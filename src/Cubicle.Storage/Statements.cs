namespace Cubicle.Storage;

/// <summary>Every statement of one engine, by aggregate: each store's record holds the statements both engines run
/// alike, and the engine's table (Storage/Sqlite, Storage/Postgres) adds those of its dialect.</summary>
public sealed record Statements
{
    public required WorkspaceSql Workspaces { get; init; }
    public required RegistrationSql Registrations { get; init; }
    public required DsDirectorySql DsDirectories { get; init; }
    public required TagSql Tags { get; init; }
    public required AccessKeySql Keys { get; init; }
    public required JobSql Jobs { get; init; }
    public required AuditSql Audit { get; init; }
    public required HostSql Hosts { get; init; }
    public required SessionSql Sessions { get; init; }
}
