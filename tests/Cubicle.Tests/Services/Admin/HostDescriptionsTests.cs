using Cubicle.Domain;
using Cubicle.Protocol;
using Cubicle.Services.Admin;
using Cubicle.Services.WorkSpaces;

namespace Cubicle.Tests;

/// <summary>DescribeHosts: each host's state and, for desktop hosts, what it has, may promise, has promised, uses
/// and has free; to the operator account only.</summary>
public sealed class HostDescriptionsTests
{
    private const long GiB = HostShare.GiB;

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task The_operator_sees_each_host_s_capacity_and_load(string engine)
    {
        var measured = new HostCapacity("local", 3, 100 * GiB, 60 * GiB, 16 * GiB, 2, 10, 1.5, 40 * GiB, 5 * GiB);
        using var w = new TestWorld(new ScriptedProvider(capacity: 3) { Measured = measured }, engine: engine);
        await w.CreateAsync("alice");
        var hosts = new HostDescriptions(w.Db, w.Clock);

        var h = Assert.Single((await hosts.DescribeAsync(w.Caller(), new())).Hosts!);
        Assert.Equal(
            ("local", "ACTIVE", 3, 1, false),
            (h.HostName, h.State, h.MaxDesktops, h.RunningDesktops, h.BelowDiskReserve)
        );
        Assert.Equal(
            (100 * GiB, 180 * GiB, 50 * GiB, 40 * GiB, 60 * GiB, (long?)(10 * GiB), 2.0),
            (
                h.Disk!.Capacity,
                h.Disk.Limit,
                h.Disk.Provisioned,
                h.Disk.Used,
                h.Disk.Free,
                h.Disk.Reserve,
                h.Disk.Oversubscription
            )
        );
        Assert.Equal(
            (16 * GiB, 24 * GiB, 4 * GiB, 5 * GiB, 11 * GiB, (long?)null, 1.5),
            (
                h.Memory!.Capacity,
                h.Memory.Limit,
                h.Memory.Provisioned,
                h.Memory.Used,
                h.Memory.Free,
                h.Memory.Reserve,
                h.Memory.Oversubscription
            )
        );

        var started = w.Clock.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        Assert.Equal((started, started), (h.StartTime, h.LastHeartbeatTime));

        // Three heartbeats missed: UNREACHABLE.
        w.Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("ACTIVE", Assert.Single((await hosts.DescribeAsync(w.Caller(), new())).Hosts!).State);
        w.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("UNREACHABLE", Assert.Single((await hosts.DescribeAsync(w.Caller(), new())).Hosts!).State);

        // A key whose policy does not allow it is refused, as for any action.
        var limited = w.Caller();
        limited = new CallContext
        {
            RequestId = limited.RequestId,
            AccountId = limited.AccountId,
            Region = limited.Region,
            PrincipalArn = $"arn:aws:iam::{limited.AccountId}:user/viewer",
            ActionPrefix = "cubicle",
            Policy = Accounts.IamPolicy.Parse(
                """
                {"Statement":[{"Effect":"Allow","Action":"cubicle:*",
                  "NotResource":"arn:aws:cubicle:us-east-1:000000000000:host/*"}]}
                """
            ),
        };
        var refused = await Assert.ThrowsAsync<ApiException>(() => hosts.DescribeAsync(limited, new()));
        Assert.Equal(ErrorCodes.AccessDenied, refused.Code);
        Assert.Contains(
            "cubicle:DescribeHosts on resource: arn:aws:cubicle:us-east-1:000000000000:host/*",
            refused.Message
        );

        // Hosts are not a tenant's.
        var denied = await Assert.ThrowsAsync<ApiException>(() => hosts.DescribeAsync(w.Caller("111122223333"), new()));
        Assert.Equal(ErrorCodes.AccessDenied, denied.Code);
        Assert.Equal("Hosts are the operator's: only account 000000000000 may describe them.", denied.Message);
    }

    [SkippableFact]
    public async Task A_host_without_desktops_shows_its_state_only()
    {
        using var w = new TestWorld();
        var h = Assert.Single((await new HostDescriptions(w.Db, w.Clock).DescribeAsync(w.Caller(), new())).Hosts!);
        Assert.Equal(("local", "ACTIVE"), (h.HostName, h.State));
        Assert.Null(h.MaxDesktops);
        Assert.Null(h.Disk);
        Assert.Null(h.Memory);
    }
}
