namespace Cubicle.Server;

/// <summary>One option of the server: a flag (--name VALUE), a key of the --config file, CUBICLE_NAME.</summary>
/// <param name="Kind">text, number (a decimal), integer, or one of <paramref name="Values"/>.</param>
/// <param name="Min">The smallest number allowed (numbers and integers).</param>
/// <param name="Max">The largest number allowed (numbers and integers).</param>
public sealed record ServerOption(
    string Name,
    string Group,
    string Kind,
    string? Default,
    string Description,
    string[]? Values = null,
    double Min = 0,
    double Max = 1e9
);
