using Cubicle.Accounts;
using Cubicle.Audit;
using Cubicle.Cluster;
using Cubicle.Desktops;
using Cubicle.Domain;
using Cubicle.Identity;
using Cubicle.Jobs;
using Cubicle.Observability;
using Cubicle.Protocol;
using Cubicle.Services.CloudTrail;
using Cubicle.Services.DirectoryService;
using Cubicle.Services.DirectoryServiceData;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Cubicle.Services;

/// <summary>Wires the service together: storage and keys, the desktops (simulated, or this host's own), the
/// lifecycles and their jobs, the AWS services, the audit trail, and authentication. The host adds Kestrel and the
/// routes.</summary>
public static class CubicleServices
{
    /// <param name="localDesktops">Real desktops on this host (null: simulated ones).</param>
    public static IServiceCollection AddCubicle(
        this IServiceCollection services,
        CubicleOptions options,
        IDatabase db,
        MasterKey master,
        NodeIdentity node,
        LocalDesktopOptions? localDesktops
    )
    {
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(db);
        services.AddSingleton(master);
        services.AddSingleton(node);
        services.AddSingleton(sp => new PageTokens(
            master.Derive("page-tokens"),
            sp.GetRequiredService<TimeProvider>()
        ));
        services.AddSingleton<BundleCatalog>();
        // First of the hosted services: the others start on loaded data.
        services.AddHostedService<StartupWork>();
        AddDesktops(services, options, localDesktops);
        AddJobs(services, options);
        AddWorkSpaces(services);
        AddDirectoryServices(services);
        AddAudit(services, options, db);
        AddAuthentication(services, options);
        services.AddSingleton<HostHeartbeat>();
        services.AddHostedService(sp => sp.GetRequiredService<HostHeartbeat>());
        services.AddHostedService<JobWorker>();
        services.AddSingleton<CubicleMetrics>();
        services.AddHostedService<MetricsSampler>();
        return services;
    }

    private static void AddDesktops(IServiceCollection services, CubicleOptions options, LocalDesktopOptions? local)
    {
        if (local is null)
        {
            var delay = TimeSpan.FromSeconds(options.TransitionSeconds);
            services.AddSingleton<IDesktopProvider>(_ => new SimulatedDesktopProvider(delay));
            return;
        }
        services.AddSingleton(local);
        services.AddSingleton<LocalDesktopProvider>();
        services.AddSingleton<IDesktopProvider>(sp => sp.GetRequiredService<LocalDesktopProvider>());
        services.AddHostedService<DesktopMonitor>();
    }

    private static void AddJobs(IServiceCollection services, CubicleOptions options)
    {
        services.AddSingleton<WorkspaceLifecycle>();
        services.AddSingleton<IJobHandler>(sp => sp.GetRequiredService<WorkspaceLifecycle>());
        services.AddSingleton<DirectoryLifecycle>();
        services.AddSingleton<IJobHandler>(sp => sp.GetRequiredService<DirectoryLifecycle>());
        services.AddSingleton<RegistrationLifecycle>();
        services.AddSingleton<IJobHandler>(sp => sp.GetRequiredService<RegistrationLifecycle>());
        services.AddSingleton<JobRunner>();
        services.AddSingleton(
            new JobOptions
            {
                Concurrency = options.JobConcurrency,
                Lease = TimeSpan.FromSeconds(options.JobLeaseSeconds),
                CallTimeout = TimeSpan.FromSeconds(options.JobTimeoutSeconds),
            }
        );
    }

    private static void AddWorkSpaces(IServiceCollection services)
    {
        services.AddSingleton<WorkspaceCreation>();
        services.AddSingleton<WorkspaceQueries>();
        services.AddSingleton<WorkspaceStateChanges>();
        services.AddSingleton<WorkspacePropertyChanges>();
        services.AddSingleton<WorkspaceConnections>();
        services.AddSingleton<DesktopSignIn>();
        services.AddSingleton<WorkspaceDirectoryService>();
        services.AddSingleton<BundleService>();
        services.AddSingleton<TagService>();
        services.AddSingleton(sp =>
            WorkspacesApi.Create(
                sp.GetRequiredService<WorkspaceCreation>(),
                sp.GetRequiredService<WorkspaceQueries>(),
                sp.GetRequiredService<WorkspaceStateChanges>(),
                sp.GetRequiredService<WorkspacePropertyChanges>(),
                sp.GetRequiredService<WorkspaceDirectoryService>(),
                sp.GetRequiredService<BundleService>(),
                sp.GetRequiredService<TagService>()
            )
        );
    }

    private static void AddDirectoryServices(IServiceCollection services)
    {
        services.AddSingleton<LdapConnector>();
        services.AddSingleton<LdapTargets>();
        services.AddSingleton<DirectoryUsers>();
        services.AddSingleton<DsService>();
        services.AddSingleton<DsUserAccess>();
        services.AddSingleton(sp =>
            DsApi.Create(sp.GetRequiredService<DsService>(), sp.GetRequiredService<DsUserAccess>())
        );
        services.AddSingleton<DsDataService>();
        services.AddSingleton(sp => DsDataApi.Create(sp.GetRequiredService<DsDataService>()));
    }

    private static void AddAudit(IServiceCollection services, CubicleOptions options, IDatabase db)
    {
        services.AddSingleton(
            new AuditOptions
            {
                DeliverySeconds = options.AuditDeliverySeconds,
                DeliveryEvents = options.AuditDeliveryEvents,
                DigestSeconds = options.AuditDigestSeconds,
                RetentionDays = options.AuditRetentionDays,
                ReadEvents = options.AuditReadEvents,
                // SQLite serves one node: its read events go to a journal in its data folder (see EventJournal).
                JournalFolder = db.Engine == "sqlite" ? Path.Combine(options.DataPath, "audit-journal") : null,
            }
        );
        services.AddSingleton(_ => new TrailFiles(
            options.AuditDir ?? Path.Combine(options.DataPath, "cloudtrail"),
            options.AuditSigningKey ?? Path.Combine(options.DataPath, "audit-signing-key.pem")
        ));
        services.AddSingleton<AuditLog>();
        services.AddSingleton<ICallObserver>(sp => sp.GetRequiredService<AuditLog>());
        services.AddHostedService(sp => sp.GetRequiredService<AuditLog>());
        services.AddSingleton<AuditDelivery>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditDelivery>());
        services.AddSingleton<CloudTrailApi>();
        services.AddSingleton(sp => sp.GetRequiredService<CloudTrailApi>().Api);
    }

    private static void AddAuthentication(IServiceCollection services, CubicleOptions options)
    {
        services.AddSingleton(sp => new AuthFailureThrottle(
            sp.GetRequiredService<TimeProvider>(),
            options.AuthFailuresPerMinute
        ));
        services.AddSingleton<Authenticator>();
        services.AddSingleton<BrowserSessions>();
        services.AddSingleton<SignInGuard>();
        services.AddSingleton<ApiEndpoint>();
    }
}
