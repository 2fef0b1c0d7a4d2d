namespace Cubicle.Tests;

/// <summary>Runs only as root with the desktop packages (tests/run-all.sh installs them), as the server
/// would.</summary>
public sealed class LocalDesktopFactAttribute : FactAttribute
{
    public LocalDesktopFactAttribute()
    {
        if (Environment.UserName != "root" || !File.Exists("/usr/bin/Xvnc") || !File.Exists("/usr/sbin/mkfs.ext4"))
            Skip = "needs root, tigervnc, icewm, xterm, bubblewrap and e2fsprogs";
    }
}
