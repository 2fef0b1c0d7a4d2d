using Cubicle.Domain;

namespace Cubicle.Domain;

/// <summary>A failure that running the job again cannot fix (the host has no room): the job ends at once, with its
/// message, instead of being retried.</summary>
public sealed class PermanentFailureException(string message) : Exception(message);
