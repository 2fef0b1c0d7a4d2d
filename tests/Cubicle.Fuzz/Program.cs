using SharpFuzz;

namespace Cubicle.Fuzz;

/// <summary>
/// SharpFuzz targets over Cubicle's parsers. Under afl-fuzz (tests/fuzz/run-sharpfuzz.sh) each runs in
/// SharpFuzz's fork-server loop, where an exception that escapes a target is a crash. Run directly, it runs once
/// on standard input and prints what escaped, which replays a crash: <c>dotnet Cubicle.Fuzz.dll json &lt; file</c>.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        Action<byte[]>? target = args.FirstOrDefault() switch
        {
            "json" => JsonTarget.Run,
            "sigv4" => SigV4Target.Run,
            "audit" => AuditTarget.Run,
            "types" => _ => Console.WriteLine(string.Join(" ", JsonTarget.TypeNames)),
            _ => null,
        };
        if (target is null)
        {
            Console.Error.WriteLine("usage: Cubicle.Fuzz json|sigv4|audit < input  (or: Cubicle.Fuzz types)");
            return 2;
        }
        var underAfl = Environment.GetEnvironmentVariable("__AFL_SHM_ID") is not null;
        var failed = false;
        // Always inside Fuzzer.Run: the instrumented assemblies write their trace where Run points it, also when it
        // runs once outside afl-fuzz.
        Fuzzer.Run(stream =>
        {
            using var input = new MemoryStream();
            stream.CopyTo(input);
            if (underAfl)
            {
                target(input.ToArray());
                return;
            }
            try
            {
                target(input.ToArray());
            }
            catch (Exception ex)
            {
                Print(ex);
                failed = true;
            }
        });
        return failed ? 1 : 0;
    }

    /// <summary>The exception, its inner ones, and the frames of Cubicle's own code.</summary>
    private static void Print(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
            Console.WriteLine($"{(e == ex ? "" : "inner: ")}{e.GetType().FullName}: {e.Message}");
        foreach (var line in (ex.StackTrace ?? "").Split('\n'))
            if (line.Contains(" Cubicle.", StringComparison.Ordinal))
                Console.WriteLine(line.TrimEnd());
    }
}
