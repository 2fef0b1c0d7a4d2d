namespace Cubicle.Storage;

/// <summary>Failed sign-ins counted against a key (a client's network, a user, the pair of both), until when it is
/// locked out, and when its last failure was counted (counts start again after an hour without one).</summary>
public sealed class SignInFailures
{
    public int Failures { get; init; }
    public long LockedUntil { get; init; }
    public long UpdatedAt { get; init; }
}
