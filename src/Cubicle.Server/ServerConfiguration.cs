using Microsoft.Extensions.Configuration.Memory;

namespace Cubicle.Server;

/// <summary>
/// Where options come from, weakest first: a configuration file (--config cubicle.json, keys named as the flags),
/// the environment (CUBICLE_NODE_NAME for --node-name), then the command line.
/// See docs/configuration.md for every option.
/// </summary>
public static class ServerConfiguration
{
    /// <summary>
    /// Adds the environment and the file to <paramref name="config"/>; returns what is wrong, or null.
    /// </summary>
    public static string? Layer(ConfigurationManager config, string[] args)
    {
        var environment = new MemoryConfigurationSource
        {
            InitialData = Environment
                .GetEnvironmentVariables()
                .Keys.Cast<string>()
                .Where(k => k.StartsWith("CUBICLE_", StringComparison.Ordinal))
                .Select(k =>
                    KeyValuePair.Create(
                        k["CUBICLE_".Length..].ToLowerInvariant().Replace('_', '-'),
                        Environment.GetEnvironmentVariable(k)
                    )
                ),
        };
        // Below the command line (the builder's last source), above the host's own defaults.
        config.Sources.Insert(0, environment);
        var file = ConfigFile(args) ?? Environment.GetEnvironmentVariable("CUBICLE_CONFIG");
        if (file is null)
            return null;
        var json = new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
        {
            Path = Path.GetFullPath(file),
            Optional = false,
            ReloadOnChange = false,
        };
        json.ResolveFileProvider();
        try
        {
            config.Sources.Insert(0, json);
        }
        catch (Exception ex) when (ex is FileNotFoundException or InvalidDataException)
        {
            return $"--config {file}: {(ex.InnerException ?? ex).Message}";
        }
        return null;
    }

    private static string? ConfigFile(string[] args)
    {
        for (var i = 0; i + 1 < args.Length; i++)
            if (args[i] is "--config")
                return args[i + 1];
        return args.FirstOrDefault(a => a.StartsWith("--config=", StringComparison.Ordinal))?["--config=".Length..];
    }
}
