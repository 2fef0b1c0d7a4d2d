namespace Cubicle.Storage;

/// <summary>
/// A save found the row changed since it was read. Inside a write, every read locks what it reads, so this means
/// the row was read outside the write that saves it (or twice within it): a bug that would otherwise lose the other
/// change silently. Nothing is committed, and the failure is loud.
/// </summary>
public sealed class StaleRowException(string message) : InvalidOperationException(message)
{
    public static void ThrowIfNone(int rowsChanged, string table, long key)
    {
        if (rowsChanged == 0)
            throw new StaleRowException(
                $"The row {key} of {table} changed after it was read: read it in the write that saves it."
            );
    }
}
