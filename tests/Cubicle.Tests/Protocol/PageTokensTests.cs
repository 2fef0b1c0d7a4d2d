using Cubicle.Protocol;
using Microsoft.Extensions.Time.Testing;

namespace Cubicle.Tests.Protocol;

/// <summary>Page tokens: where a page is cut, and what a token may continue.</summary>
public sealed class PageTokensTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly uint _query = PageTokens.Hash("DescribeWorkspaces", "000000000000", "us-east-1", null);

    private PageTokens Tokens(byte fill = 0) => new(Enumerable.Repeat(fill, 32).ToArray(), _clock);

    [SkippableTheory]
    [InlineData(0, 25, false)]
    [InlineData(24, 25, false)]
    [InlineData(25, 25, false)]
    [InlineData(26, 25, true)]
    [InlineData(2, 1, true)]
    public void A_page_is_cut_after_limit_rows_and_continues_after_its_last(int read, int limit, bool more)
    {
        var rows = Enumerable.Range(1, read).Select(i => (long)i * 10).ToList();
        var tokens = Tokens();
        var next = tokens.Cut(rows, limit, _query, r => r);
        Assert.Equal(Math.Min(read, limit), rows.Count);
        Assert.Equal(Enumerable.Range(1, Math.Min(read, limit)).Select(i => (long)i * 10), rows);
        if (more)
            Assert.Equal(limit * 10L, tokens.Read(Assert.IsType<string>(next), _query));
        else
            Assert.Null(next);
    }

    [SkippableFact]
    public void Paging_to_the_end_returns_every_row_once()
    {
        var all = Enumerable.Range(1, 103).Select(i => (long)i).ToList();
        var tokens = Tokens();
        var seen = new List<long>();
        long after = 0;
        while (true)
        {
            var page = all.Where(r => r > after).Take(11).ToList(); // limit + 1, as the stores read
            var next = tokens.Cut(page, 10, _query, r => r);
            seen.AddRange(page);
            if (next is null)
                break;
            after = tokens.Read(next, _query);
        }
        Assert.Equal(all, seen);
    }

    [SkippableFact]
    public void A_token_is_short_and_url_safe()
    {
        var token = Tokens().Issue(_query, long.MaxValue);
        Assert.InRange(token.Length, 1, 63);
        Assert.Matches("^[A-Za-z0-9_-]+$", token);
    }

    [SkippableFact]
    public void A_token_of_another_query_key_or_shape_is_refused()
    {
        var token = Tokens().Issue(_query, 42);
        var other = PageTokens.Hash("DescribeWorkspaces", "111111111111", "us-east-1", null);
        AssertRefused(() => Tokens().Read(token, other), "does not belong");
        AssertRefused(() => Tokens(fill: 7).Read(token, _query), "not valid");
        var flipped = (token[5] == 'A' ? 'B' : 'A') + "";
        AssertRefused(() => Tokens().Read(token[..5] + flipped + token[6..], _query), "not valid");
        AssertRefused(() => Tokens().Read(token[..^2], _query), "not valid");
        AssertRefused(() => Tokens().Read(token + "AAAA", _query), "not valid");
        AssertRefused(() => Tokens().Read(new string('A', 65), _query), "not valid");
        AssertRefused(() => Tokens().Read("not a token!", _query), "not valid");
    }

    [SkippableFact]
    public void A_token_lives_one_day()
    {
        var tokens = Tokens();
        var token = tokens.Issue(_query, 42);
        _clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(42, tokens.Read(token, _query));
        _clock.Advance(TimeSpan.FromSeconds(1));
        AssertRefused(() => tokens.Read(token, _query), "expired");
    }

    [SkippableFact]
    public void Queries_that_differ_in_any_part_hash_apart()
    {
        uint[] hashes =
        [
            PageTokens.Hash("DescribeWorkspaces", "a", "b"),
            PageTokens.Hash("DescribeWorkspaces", "a", "c"),
            PageTokens.Hash("DescribeWorkspaces", "ab", null),
            PageTokens.Hash("DescribeWorkspaces", "a", null),
            PageTokens.Hash("DescribeWorkspaces", null, "a"),
            PageTokens.Hash("DescribeTags", "a", "b"),
            PageTokens.Hash("DescribeWorkspaces", "a", ""),
        ];
        Assert.Equal(hashes.Length, hashes.Distinct().Count());
        Assert.Equal(PageTokens.Hash("X", "a"), PageTokens.Hash("X", "a"));
    }

    private static void AssertRefused(Action read, string why)
    {
        var ex = Assert.Throws<ApiException>(read);
        Assert.Equal(ErrorCodes.InvalidParameterValues, ex.Code);
        Assert.Contains(why, ex.Message);
    }
}
