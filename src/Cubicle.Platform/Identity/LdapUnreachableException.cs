namespace Cubicle.Identity;

/// <summary>None of a directory's LDAP servers answered (or the service account was refused).</summary>
public sealed class LdapUnreachableException(string message, Exception? inner = null) : Exception(message, inner);
