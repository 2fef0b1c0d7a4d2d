namespace Cubicle.Storage;

/// <summary>A write met a uniqueness constraint another transaction satisfied first (two nodes made the same thing
/// at the same moment): nothing was committed, and the same work run again sees what the other made.</summary>
public sealed class StoreConflictException(string message, Exception? inner = null) : Exception(message, inner);
