using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cubicle.Accounts;
using Cubicle.Cluster;
using Cubicle.Desktops;
using Cubicle.Domain;
using Cubicle.Observability;
using Cubicle.Protocol;
using Cubicle.Services;
using Cubicle.Services.Admin;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Cubicle.Server;

/// <summary>Builds the web host, one named step after the other: options, logging, listeners, Kestrel, the
/// database, the services, the routes. A step that finds the configuration wrong refuses the start (exit code 2).
/// </summary>
public static class ServerHost
{
    public static async Task<WebApplication?> BuildAsync(string[] args)
    {
        // No config reload-on-change: its file watcher would wake on every file written under the content root
        // (the data folder, the audit log files).
        Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
        var steps = new HostSteps(WebApplication.CreateSlimBuilder(args));
        try
        {
            steps.ReadOptions(args);
            steps.ConfigureLogging();
            steps.ConfigureListeners();
            steps.ConfigureKestrel();
            await steps.OpenDatabaseAsync();
            steps.AddServices();
            var app = steps.Builder.Build();
            steps.LogMode();
            HostRoutes.Map(app, steps.BehindProxy, steps.Metrics);
            steps.AnnounceWhenStarted(app);
            return app;
        }
        catch (StartRefusedException ex)
        {
            await steps.DisposeAsync();
            Console.Error.WriteLine($"Refusing to start: {ex.Message}");
            return null;
        }
    }
}
