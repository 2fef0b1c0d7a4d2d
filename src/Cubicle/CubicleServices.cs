using Cubicle.Accounts;
using Cubicle.Api;
using Cubicle.Audit;
using Cubicle.Bundles;
using Cubicle.Desktops;
using Cubicle.Directories;
using Cubicle.Protocol;
using Cubicle.Storage;
using Cubicle.Tags;
using Cubicle.Workspaces;
using Microsoft.Extensions.DependencyInjection;

namespace Cubicle;

/// <summary>Wires the service together; the host adds Kestrel, the key store and the provider.</summary>
public static class CubicleServices
{
    public static IServiceCollection AddCubicle(this IServiceCollection services, CubicleOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IStore>(_ => new SqliteStore(Path.Combine(options.DataPath, "cubicle.db"), options.SqliteSynchronous, WorkspaceService.Render));
        services.AddSingleton(sp => new PageTokens(sp.GetRequiredService<IStore>().Secret("page-token-key"), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<BundleCatalog>();
        services.AddSingleton<LifecycleSignal>();
        services.AddSingleton<IDesktopProvider>(_ => new SimulatedDesktopProvider(TimeSpan.FromSeconds(options.TransitionSeconds)));
        services.AddSingleton<Lifecycle>();
        services.AddSingleton<WorkspaceService>();
        services.AddSingleton<DirectoryService>();
        services.AddSingleton<BundleService>();
        services.AddSingleton<TagService>();
        services.AddSingleton(sp => WorkspacesApi.Create(
            sp.GetRequiredService<WorkspaceService>(), sp.GetRequiredService<DirectoryService>(),
            sp.GetRequiredService<BundleService>(), sp.GetRequiredService<TagService>()));
        services.AddSingleton(new AuditOptions
        {
            DeliverySeconds = options.AuditDeliverySeconds, DeliveryEvents = options.AuditDeliveryEvents,
            DigestSeconds = options.AuditDigestSeconds, RetentionDays = options.AuditRetentionDays, ReadEvents = options.AuditReadEvents,
        });
        services.AddSingleton(_ => new TrailFiles(options.DataPath));
        services.AddSingleton<AuditSignal>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<ICallObserver>(sp => sp.GetRequiredService<AuditLog>());
        services.AddHostedService(sp => sp.GetRequiredService<AuditLog>());
        services.AddSingleton<AuditDelivery>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditDelivery>());
        services.AddSingleton<CloudTrailApi>();
        services.AddSingleton(sp => sp.GetRequiredService<CloudTrailApi>().Api);
        services.AddSingleton<Authenticator>();
        services.AddSingleton<AwsJsonEndpoint>();
        services.AddHostedService<LifecycleWorker>();
        return services;
    }
}
