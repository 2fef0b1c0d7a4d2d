namespace Cubicle.Storage;

/// <summary>
/// What the audit trail records of a write. An API call's journal turns the call's result into its CloudTrail
/// event, committed in the same transaction as the change; <see cref="Service"/> is for the service's own work
/// (lifecycle steps, bootstrap, commands run by the operator), which CloudTrail does not record.
/// </summary>
public abstract class Journal
{
    /// <summary>The service's own writes: no event.</summary>
    public static readonly Journal Service = new ServiceJournal();

    /// <summary>The event to commit with the change, given the work's result; may be called again when the
    /// transaction is retried.</summary>
    public abstract AuditEventRecord? EventFor(object? result);

    /// <summary>Called once the change and its event are durable.</summary>
    public virtual void Committed(object? result) { }

    private sealed class ServiceJournal : Journal
    {
        public override AuditEventRecord? EventFor(object? result) => null;
    }
}
