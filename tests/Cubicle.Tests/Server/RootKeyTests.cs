using Cubicle.Protocol;
using Cubicle.Server;

namespace Cubicle.Tests;

/// <summary>The start-up line says which mode is in force, and never offers a key the mode refuses.</summary>
public sealed class RootKeyTests
{
    private static readonly AccessKey Own = new("AKIAEXAMPLE00000000", "short", "000000000000", null, IsRoot: true);

    [Fact]
    public void Loopback_developer_mode_offers_test_test_only_without_local_desktops()
    {
        var simulated = RootKey.Mode(developerMode: true, localDesktops: false, Own);
        Assert.StartsWith("Loopback developer mode", simulated);
        Assert.Contains("the well-known root key test/test and short root secrets are allowed", simulated);
        var local = RootKey.Mode(developerMode: true, localDesktops: true, Own);
        Assert.Contains("short root secrets are allowed (not the well-known test/test: desktops run untrusted", local);
        Assert.DoesNotContain("test/test and", local);
        Assert.StartsWith("Not in loopback developer mode", RootKey.Mode(false, true, Own));
    }
}
