namespace Cubicle.Storage;

/// <summary>Browser sessions and the sign-in failures that slow down password guessing.</summary>
public interface ISessionStore
{
    Task InsertAsync(SessionRecord session);
    Task<SessionRecord?> GetAsync(string idHash);
    Task<bool> DeleteAsync(string idHash);

    /// <summary>Ends every session of a kind that opens the subject (a workspace, an access key).</summary>
    Task<int> DeleteBySubjectAsync(string kind, string subject);

    /// <summary>Ends every desktop session of a directory user.</summary>
    Task<int> DeleteByUserAsync(string accountId, string region, string directoryId, string userName);
    Task<int> DeleteExpiredAsync(long now);
    Task<SignInFailures?> GetFailuresAsync(string key);

    /// <summary>Counts one more failure and sets the lock-out; returns the failures counted.</summary>
    Task<int> AddFailureAsync(string key, long now, Func<int, long> lockedUntil);

    /// <summary>Writes a key's row as given: puts back what an attempt counted and turned out not to be a failure.
    /// </summary>
    Task PutFailuresAsync(string key, SignInFailures row);
    Task ClearFailuresAsync(string key);

    /// <summary>Deletes the failure counts that no longer count (idle for an hour and not locked).</summary>
    Task<int> PruneFailuresAsync(long now);
}
