namespace Cubicle.Storage;

/// <summary>
/// The database cannot serve right now (busy, full, unreachable): the API answers ServiceUnavailable.
/// </summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
