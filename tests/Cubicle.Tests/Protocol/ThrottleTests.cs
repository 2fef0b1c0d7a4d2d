using Cubicle.Protocol;
using Microsoft.Extensions.Time.Testing;

namespace Cubicle.Tests.Protocol;

/// <summary>The per-account token bucket, on a fake clock.</summary>
public sealed class ThrottleTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));

    private static bool Admitted(Throttle t, string account)
    {
        try
        {
            t.Admit(account);
            return true;
        }
        catch (ApiException ex)
        {
            Assert.Equal(ErrorCodes.Throttling, ex.Code);
            Assert.Equal(400, ex.Status);
            Assert.Contains(account, ex.Message);
            return false;
        }
    }

    private static int AdmittedOf(Throttle t, string account, int tries) =>
        Enumerable.Range(0, tries).Count(_ => Admitted(t, account));

    [SkippableFact]
    public void A_burst_is_admitted_then_refused_until_the_bucket_refills()
    {
        var t = new Throttle(_clock, ratePerSecond: 2, burst: 5);
        Assert.Equal(5, AdmittedOf(t, "111111111111", 10));
        _clock.Advance(TimeSpan.FromSeconds(0.49));
        Assert.False(Admitted(t, "111111111111")); // 0.98 of a token: not a whole one
        _clock.Advance(TimeSpan.FromSeconds(0.01));
        Assert.True(Admitted(t, "111111111111"));
        Assert.False(Admitted(t, "111111111111"));
        _clock.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal(3, AdmittedOf(t, "111111111111", 10));
    }

    [SkippableFact]
    public void The_bucket_never_holds_more_than_the_burst()
    {
        var t = new Throttle(_clock, ratePerSecond: 10, burst: 3);
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(3, AdmittedOf(t, "111111111111", 10));
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(3, AdmittedOf(t, "111111111111", 10));
    }

    [SkippableFact]
    public void Every_account_has_a_bucket_of_its_own()
    {
        var t = new Throttle(_clock, ratePerSecond: 1, burst: 2);
        Assert.Equal(2, AdmittedOf(t, "111111111111", 5));
        Assert.Equal(2, AdmittedOf(t, "222222222222", 5));
        Assert.False(Admitted(t, "111111111111"));
        Assert.False(Admitted(t, "222222222222"));
    }

    [SkippableFact]
    public void A_rate_of_zero_turns_throttling_off()
    {
        var t = new Throttle(_clock, ratePerSecond: 0, burst: 0);
        Assert.Equal(1000, AdmittedOf(t, "111111111111", 1000));
    }

    [SkippableFact]
    public void The_message_names_the_rate_and_the_burst()
    {
        var t = new Throttle(_clock, ratePerSecond: 2.5, burst: 1);
        t.Admit("111111111111");
        var ex = Assert.Throws<ApiException>(() => t.Admit("111111111111"));
        Assert.Equal("Rate exceeded: account 111111111111 may make 2.5 requests per second (bursts of 1).", ex.Message);
    }
}
