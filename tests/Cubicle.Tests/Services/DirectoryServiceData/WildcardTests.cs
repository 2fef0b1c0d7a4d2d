using System.Diagnostics;
using Cubicle.Services.DirectoryServiceData;

namespace Cubicle.Tests;

public sealed class WildcardTests
{
    [SkippableTheory]
    [InlineData("Carabiner", "Carabiner", true)]
    [InlineData("Carabiner", "carabiner", true)]
    [InlineData("Carabiner", "Cara", false)]
    [InlineData("Carabiner", "Cara*", true)]
    [InlineData("Carabiner", "*BINER", true)]
    [InlineData("Carabiner", "*", true)]
    [InlineData("", "*", true)]
    [InlineData("", "**", true)]
    [InlineData("Carabiner", "C*a*b*r", true)]
    [InlineData("Carabiner", "C*b*a*r", false)]
    [InlineData("Carabiner", "*ara*ara*", false)]
    [InlineData("abab", "ab*ab", true)]
    [InlineData("aba", "ab*ab", false)]
    [InlineData("abc", "a**c", true)]
    [InlineData("ac", "a*c*", true)]
    [InlineData("ac", "a*b*c", false)]
    public void Stars_stand_for_any_run_of_characters(string value, string pattern, bool expected) =>
        Assert.Equal(expected, Wildcard.Matches(value, pattern));

    [SkippableFact]
    public void A_pattern_made_to_backtrack_costs_a_scan()
    {
        var hostile = string.Concat(Enumerable.Repeat("*a", 31)) + "*b";
        var value = new string('a', 1024);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 1000; i++)
        {
            Assert.False(Wildcard.Matches(value, hostile));
            Assert.True(Wildcard.Matches(value + "b", hostile));
        }
        // A thousand pairs of scans of 1 KiB: far below a second on any machine, where a regex took 100 ms each.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }
}
