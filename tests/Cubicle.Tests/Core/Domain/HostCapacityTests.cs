using Cubicle.Domain;

namespace Cubicle.Tests;

/// <summary>The stated oversubscription: each limit holds to the byte, the short resource is named, and the disk's
/// reserve refuses only what writes.</summary>
public sealed class HostCapacityTests
{
    private const long GiB = HostShare.GiB;
    private static readonly ComputeTypeInfo Standard = ComputeTypes.Of("STANDARD");

    // 100 GiB of disk (10 GiB kept), 16 GiB of memory: 180 GiB of volumes and 24 GiB of memory may be promised.
    private static HostCapacity Host(long free = 50 * GiB, int max = 4) =>
        new("h1", max, 100 * GiB, free, 16 * GiB, DiskRatio: 2, DiskReservePercent: 10, MemoryRatio: 1.5);

    [Fact]
    public void The_limits_are_the_ratios_times_what_the_host_has_less_the_reserve()
    {
        var h = Host();
        Assert.Equal(10 * GiB, h.DiskReserveBytes);
        Assert.Equal(180 * GiB, h.DiskLimitBytes);
        Assert.Equal(24 * GiB, h.MemoryLimitBytes);
        Assert.False(h.BelowReserve);
        Assert.True(Host(free: 10 * GiB - 1).BelowReserve);
        Assert.False(Host(free: 10 * GiB).BelowReserve);
        // A small disk still keeps 1 GiB.
        Assert.Equal(GiB, (Host() with { DiskBytes = 5 * GiB }).DiskReserveBytes);
        Assert.Equal(0, (Host() with { DiskBytes = GiB / 2 }).DiskLimitBytes);
    }

    [Fact]
    public void Desktops_are_counted_against_the_host_s_maximum()
    {
        var share = HostShare.Start(Standard);
        Assert.Null(Host().Refusal(new HostLoad(3, 0, 0), share));
        Assert.Equal(
            "Host h1 runs at most 4 desktops at once and has no room for another (desktops: 4 of 4).",
            Host().Refusal(new HostLoad(4, 0, 0), share)
        );
        // A change that adds no desktop is not refused for the count.
        Assert.Null(Host().Refusal(new HostLoad(4, 0, 0), HostShare.Modify(0, GiB)));
    }

    [Fact]
    public void Memory_is_promised_up_to_its_ratio_to_the_byte()
    {
        var share = HostShare.Start(Standard);
        Assert.Equal(4 * GiB, share.MemoryBytes);
        Assert.Null(Host().Refusal(new HostLoad(0, 20 * GiB, 0), share));
        Assert.Equal(
            "Host h1 has no memory left to promise 4 GiB more (memory: 20 GiB promised of 24 GiB, 1.5 times its "
                + "16 GiB).",
            Host().Refusal(new HostLoad(0, 20 * GiB + 1, 0), share)
        );
    }

    [Fact]
    public void Volumes_are_promised_up_to_the_disk_ratio_to_the_byte()
    {
        var share = HostShare.Create(Standard, 50);
        Assert.Equal(50 * GiB, share.DiskBytes);
        Assert.Null(Host().Refusal(new HostLoad(0, 0, 130 * GiB), share));
        Assert.Equal(
            "Host h1 has no disk left to promise a 50 GiB volume (disk: 130 GiB promised of 180 GiB, 2 times the "
                + "90 GiB its volumes can use).",
            Host().Refusal(new HostLoad(0, 0, 130 * GiB + 1), share)
        );
    }

    [Fact]
    public void Below_the_reserve_only_what_writes_is_refused()
    {
        var low = Host(free: 9 * GiB);
        Assert.Equal(
            "The disk of host h1 is below its reserve (disk: 9 GiB free, 10 GiB kept): no volume is made, grown or "
                + "restored until space is freed.",
            low.Refusal(HostLoad.None, HostShare.Create(Standard, 10))
        );
        Assert.NotNull(low.Refusal(HostLoad.None, HostShare.Rebuild(Standard, running: true)));
        Assert.NotNull(low.Refusal(HostLoad.None, HostShare.Modify(0, GiB)));
        // Starting a desktop, or more memory for it, writes nothing.
        Assert.Null(low.Refusal(HostLoad.None, HostShare.Start(Standard)));
        Assert.Null(low.Refusal(HostLoad.None, HostShare.Modify(GiB, 0)));
    }

    [Fact]
    public void A_host_already_past_a_limit_refuses_only_what_takes_more_of_it()
    {
        // The operator lowered --max-desktops and the ratios: what runs keeps running, and what takes nothing of
        // the exhausted resource still goes through.
        var over = new HostLoad(6, 30 * GiB, 200 * GiB);
        Assert.Null(Host().Refusal(over, HostShare.Modify(0, 0)));
        Assert.NotNull(Host().Refusal(over, HostShare.Start(Standard)));
        Assert.NotNull(Host().Refusal(over, HostShare.Modify(GiB, 0)));
        Assert.NotNull(Host().Refusal(over, HostShare.Modify(0, GiB)));
    }

    [Fact]
    public void Each_placement_takes_what_it_says()
    {
        Assert.Equal(new HostShare(1, 4 * GiB, 50 * GiB, true), HostShare.Create(Standard, 50));
        Assert.Equal(new HostShare(1, 4 * GiB, 0, false), HostShare.Start(Standard));
        Assert.Equal(new HostShare(0, 0, 0, true), HostShare.Rebuild(Standard, running: true));
        Assert.Equal(new HostShare(1, 4 * GiB, 0, true), HostShare.Rebuild(Standard, running: false));
        Assert.Equal(new HostShare(0, 2 * GiB, 0, false), HostShare.Modify(2 * GiB, -GiB));
        Assert.Equal(new HostShare(0, 0, GiB, true), HostShare.Modify(-GiB, GiB));
        Assert.Equal(new HostLoad(2, 5, 7), new HostLoad(1, 2, 3).Plus(new HostShare(1, 3, 4, false)));
    }
}
