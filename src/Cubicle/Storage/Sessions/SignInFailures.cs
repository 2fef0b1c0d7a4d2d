namespace Cubicle.Storage;

/// <summary>Failed sign-ins counted against a key (a user, a client address) and until when it is locked out.</summary>
public sealed class SignInFailures
{
    public int Failures { get; init; }
    public long LockedUntil { get; init; }
}
