namespace Cubicle.Tests;

/// <summary>
/// What a test needs of the machine. Locally, a test that cannot run is reported as skipped, with what it lacks;
/// with CUBICLE_TEST_REQUIRE_ALL=1 (tests/run-all.sh, that is CI) a missing prerequisite fails the test instead, so a
/// run never shrinks silently.
/// </summary>
public static class Prerequisite
{
    public static bool Strict => Environment.GetEnvironmentVariable("CUBICLE_TEST_REQUIRE_ALL") == "1";

    public static void Require(bool present, string what)
    {
        if (present)
            return;
        if (Strict)
            Assert.Fail($"A prerequisite of this test is missing: {what}.");
        throw new SkipException($"needs {what}");
    }

    public static void Postgres() =>
        Require(
            Environment.GetEnvironmentVariable("CUBICLE_TEST_POSTGRES") is { Length: > 0 },
            "a PostgreSQL cluster named by CUBICLE_TEST_POSTGRES (eval \"$(bash tests/postgres/cluster.sh start)\")"
        );

    /// <summary>Real desktops: root and the desktop packages (tests/run-all.sh installs them).</summary>
    public static void LocalDesktops() =>
        Require(
            Environment.UserName == "root" && File.Exists("/usr/bin/Xvnc") && File.Exists("/usr/sbin/mkfs.ext4"),
            "root, tigervnc, icewm, xterm, bubblewrap and e2fsprogs"
        );

    /// <summary>A cgroup hierarchy the desktops' limits can be written to: v2 (unified) or v1's memory
    /// controller.</summary>
    public static void Cgroups() =>
        Require(
            File.Exists("/sys/fs/cgroup/cgroup.controllers") || Directory.Exists("/sys/fs/cgroup/memory"),
            "cgroups (v2 at /sys/fs/cgroup, or v1's memory controller)"
        );
}
