using System.Diagnostics;

namespace Cubicle.Desktops;

/// <summary>Runs a host tool (mount, mkfs.ext4, useradd...) with its arguments as a list, never via a shell.</summary>
internal static class HostCommand
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static async Task<Result> RunAsync(string file, IEnumerable<string> args, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        p.StandardInput.Close();
        var output = p.StandardOutput.ReadToEndAsync(ct);
        var error = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        return new Result(p.ExitCode, await output, await error);
    }

    /// <summary>Runs the tool and throws with its error output when it fails.</summary>
    public static async Task<string> CheckAsync(string file, IEnumerable<string> args, CancellationToken ct)
    {
        var list = args.ToList();
        var r = await RunAsync(file, list, ct);
        if (r.ExitCode != 0)
            throw new InvalidOperationException(
                $"{file} {string.Join(' ', list)} failed ({r.ExitCode}): {r.Error.Trim()}"
            );
        return r.Output;
    }
}
