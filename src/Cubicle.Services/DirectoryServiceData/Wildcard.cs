namespace Cubicle.Services.DirectoryServiceData;

/// <summary>
/// SearchUsers' wildcard match: <c>*</c> stands for any run of characters, everything else for itself, case
/// ignored. No regular expression: the pieces between stars are found left to right, each at its first place after
/// the last, which is enough to decide a match (a later place never leaves more room), so a search costs at most a
/// scan of the value per piece whatever the pattern (<c>*a*a*a*...*b</c> included), and never times out.
/// </summary>
public static class Wildcard
{
    public static bool Matches(string value, string pattern)
    {
        var star = pattern.IndexOf('*');
        if (star < 0)
            return value.Equals(pattern, StringComparison.OrdinalIgnoreCase);
        var last = pattern.LastIndexOf('*');
        var head = pattern.AsSpan(0, star);
        var tail = pattern.AsSpan(last + 1);
        var text = value.AsSpan();
        if (
            text.Length < head.Length + tail.Length
            || !text.StartsWith(head, StringComparison.OrdinalIgnoreCase)
            || !text.EndsWith(tail, StringComparison.OrdinalIgnoreCase)
        )
            return false;
        // What the middle pieces must be found in: between the head and the tail, which are fixed.
        var rest = text[head.Length..(text.Length - tail.Length)];
        var middle = star < last ? pattern[(star + 1)..last] : "";
        foreach (var piece in middle.Split('*', StringSplitOptions.RemoveEmptyEntries))
        {
            var at = rest.IndexOf(piece, StringComparison.OrdinalIgnoreCase);
            if (at < 0)
                return false;
            rest = rest[(at + piece.Length)..];
        }
        return true;
    }
}
