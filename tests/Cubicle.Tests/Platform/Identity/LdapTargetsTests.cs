using Cubicle.Identity;
using Cubicle.Protocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cubicle.Tests;

public sealed class LdapTargetsTests
{
    private static LdapTargets Targets(bool allowLoopback = false) =>
        new(new LdapOptions { AllowLoopback = allowLoopback }, NullLogger<LdapTargets>.Instance);

    [SkippableTheory]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.0.9")]
    [InlineData("0.0.0.0")]
    [InlineData("0.1.2.3")]
    [InlineData("169.254.169.254")]
    public void This_host_and_link_local_addresses_are_refused_naming_the_member(string ip)
    {
        var e = Assert.Throws<ApiException>(() => Targets().Check(["198.51.100.7", ip], "CustomerDnsIps"));
        Assert.Contains("CustomerDnsIps[1]", e.Message);
        Assert.Equal(["127.0.0.1", ip], Targets(allowLoopback: true).Check(["127.0.0.1", ip], "CustomerDnsIps"));
    }

    [SkippableFact]
    public void Addresses_are_checked_and_kept_in_the_form_they_are_connected_to()
    {
        Assert.Equal(["10.0.0.1", "198.51.100.7"], Targets().Check(["010.000.0.01", "198.51.100.7"], "Ips"));
        Assert.Throws<ApiException>(() => Targets().Check(["127.000.000.001"], "Ips"));
    }
}
