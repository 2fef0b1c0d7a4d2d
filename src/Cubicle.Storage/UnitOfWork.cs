namespace Cubicle.Storage;

/// <summary>The stores of every aggregate on one session; each made when first used.</summary>
public sealed class UnitOfWork(DbSession db, Statements sql) : IUnitOfWork
{
    private IWorkspaceStore? _workspaces;
    private IRegistrationStore? _registrations;
    private IDsDirectoryStore? _dsDirectories;
    private ITagStore? _tags;
    private IAccessKeyStore? _keys;
    private IJobStore? _jobs;
    private IAuditStore? _audit;
    private IHostStore? _hosts;
    private ISessionStore? _sessions;
    private List<string>? _notices;

    public IWorkspaceStore Workspaces => _workspaces ??= new WorkspaceStore(db, sql.Workspaces);
    public IRegistrationStore Registrations => _registrations ??= new RegistrationStore(db, sql.Registrations);
    public IDsDirectoryStore DsDirectories => _dsDirectories ??= new DsDirectoryStore(db, sql.DsDirectories);
    public ITagStore Tags => _tags ??= new TagStore(db, sql.Tags);
    public IAccessKeyStore Keys => _keys ??= new AccessKeyStore(db, sql.Keys);
    public IJobStore Jobs => _jobs ??= new JobStore(db, sql.Jobs, this);
    public IAuditStore Audit => _audit ??= new AuditStore(db, sql.Audit);
    public IHostStore Hosts => _hosts ??= new HostStore(db, sql.Hosts);
    public ISessionStore Sessions => _sessions ??= new SessionStore(db, sql.Sessions, this);

    public void Notify(string channel)
    {
        _notices ??= [];
        if (!_notices.Contains(channel))
            _notices.Add(channel);
    }

    /// <summary>The channels to notify once the transaction commits.</summary>
    public IReadOnlyList<string> Notices => (IReadOnlyList<string>?)_notices ?? [];
}
