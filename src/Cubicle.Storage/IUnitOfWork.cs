namespace Cubicle.Storage;

/// <summary>One transaction (or, for reads, one read-only connection) and the stores of each aggregate on it.</summary>
public interface IUnitOfWork
{
    IWorkspaceStore Workspaces { get; }
    IRegistrationStore Registrations { get; }
    IDsDirectoryStore DsDirectories { get; }
    ITagStore Tags { get; }
    IAccessKeyStore Keys { get; }
    IJobStore Jobs { get; }
    IAuditStore Audit { get; }
    IHostStore Hosts { get; }
    ISessionStore Sessions { get; }

    /// <summary>Tells every node's subscribers of <paramref name="channel"/> once this transaction commits.</summary>
    void Notify(string channel);
}
