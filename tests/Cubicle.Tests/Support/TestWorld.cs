using Cubicle.Accounts;
using Cubicle.Cluster;
using Cubicle.Desktops;
using Cubicle.Domain;
using Cubicle.Identity;
using Cubicle.Jobs;
using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cubicle.Tests;

/// <summary>The service over a real database (a SQLite file in a temp folder, or a fresh PostgreSQL database), on a
/// fake clock; no HTTP, no worker thread.</summary>
public sealed class TestWorld : IDisposable
{
    /// <summary>The engines every engine test runs on. PostgreSQL needs the cluster CUBICLE_TEST_POSTGRES names
    /// (tests/run-all.sh starts one): without it those rows are skipped, and fail in CI (<see cref="Prerequisite"/>).
    /// </summary>
    public static TheoryData<string> Engines() => new() { "sqlite", "postgres" };

    private readonly string _engine;
    private readonly string? _connectionString;

    /// <summary>The PostgreSQL database of this world (null on SQLite).</summary>
    public string? ConnectionString => _connectionString;
    public readonly string Folder = Directory.CreateTempSubdirectory("cubicle-unit-").FullName;
    public readonly FakeTimeProvider Clock = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    public readonly CubicleOptions Options;
    public IDatabase Db { get; private set; } = null!;
    public readonly NodeIdentity Node = new("local");
    public WorkspaceLifecycle Lifecycle { get; private set; } = null!;
    public JobRunner Jobs { get; private set; } = null!;
    public static readonly MasterKey Master = new(new byte[32]);

    private static DirectoryUsers Users(IDatabase db) => new(db, new LdapConnector(new LdapOptions(), Master));

    public WorkspaceActions Workspaces { get; private set; } = null!;
    public IDesktopProvider Provider;

    /// <param name="prepare">Runs on the data folder and the PostgreSQL connection string (null on SQLite) before
    /// the database is first opened: a test of upgrades builds an older version's database there.</param>
    public TestWorld(
        IDesktopProvider? provider = null,
        int quota = 100,
        string engine = "sqlite",
        Func<string, string?, Task>? prepare = null
    )
    {
        _engine = engine;
        if (engine == "postgres")
        {
            Prerequisite.Postgres();
            _connectionString = Postgres.NewDatabase();
        }
        prepare?.Invoke(Folder, _connectionString).GetAwaiter().GetResult();
        Options = new CubicleOptions
        {
            DataPath = Folder,
            TransitionSeconds = 5,
            WorkspaceQuota = quota,
            TerminatedRetentionSeconds = 3600,
        };
        Provider = provider ?? new SimulatedDesktopProvider(TimeSpan.FromSeconds(5));
        Open();
        DirectoryLoader.LoadAsync(Db, null).GetAwaiter().GetResult();
    }

    /// <summary>(Re)opens the database, as a restarted server does.</summary>
    public void Open()
    {
        Db = _connectionString is null
            ? new SqliteDatabase(Path.Combine(Folder, "cubicle.db"))
            : Database.OpenAsync(Folder, _connectionString, "FULL", NullLogger.Instance).GetAwaiter().GetResult();
        Lifecycle = new WorkspaceLifecycle(Db, Provider, Clock, Options, NullLogger<WorkspaceLifecycle>.Instance);
        Workspaces = new WorkspaceActions(Db, Lifecycle, Options, Provider, Node, Users(Db), Clock);
        Jobs = new JobRunner(Db, [Lifecycle], Clock);
        BeatAsync().GetAwaiter().GetResult();
    }

    /// <summary>The host's heartbeat, as a server records it at start: its row, and its capacity as the provider
    /// measures it now.</summary>
    public Task BeatAsync() =>
        new HostHeartbeat(Db, Node, Provider, Clock, NullLogger<HostHeartbeat>.Instance).BeatAsync(
            Clock.GetUtcNow().ToUnixTimeMilliseconds()
        );

    /// <summary>A crash and a restart: the database is opened again, and the node takes back the jobs its earlier
    /// process had claimed, as the job worker does when it starts.</summary>
    public void Restart()
    {
        Db.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Open();
        Db.WriteAsync(Journal.Service, u => u.Jobs.ReleaseNodeAsync(Node.Name)).GetAwaiter().GetResult();
    }

    private readonly List<IDatabase> _others = [];

    /// <summary>Another node on the same database, with services of its own: on SQLite, another connection to
    /// the same file, as a second process would open it.</summary>
    public (IDatabase Db, WorkspaceLifecycle Lifecycle, WorkspaceActions Workspaces, NodeIdentity Node) OtherNode(
        string name
    )
    {
        var db = Database.OpenAsync(Folder, _connectionString, "FULL", NullLogger.Instance).GetAwaiter().GetResult();
        _others.Add(db);
        var node = new NodeIdentity(name);
        var lifecycle = new WorkspaceLifecycle(db, Provider, Clock, Options, NullLogger<WorkspaceLifecycle>.Instance);
        var workspaces = new WorkspaceActions(db, lifecycle, Options, Provider, node, Users(db), Clock);
        return (db, lifecycle, workspaces, node);
    }

    public CallContext Caller(string account = CubicleOptions.DefaultAccountId, string region = "us-east-1") =>
        new()
        {
            RequestId = Guid.NewGuid().ToString(),
            AccountId = account,
            Region = region,
        };

    public async Task<string> CreateAsync(string user, string mode = "ALWAYS_ON", int? timeout = null)
    {
        var r = await Workspaces.CreateAsync(
            Caller(),
            new CreateWorkspacesRequest
            {
                Workspaces =
                [
                    new WorkspaceRequest
                    {
                        DirectoryId = DirectoryLoader.DemoDirectoryId,
                        UserName = user,
                        BundleId = "wsb-al2std01",
                        WorkspaceProperties = new WorkspaceProperties
                        {
                            RunningMode = mode,
                            RunningModeAutoStopTimeoutInMinutes = timeout,
                        },
                    },
                ],
            }
        );
        Assert.Empty(r.FailedRequests!);
        return r.PendingRequests![0].WorkspaceId!;
    }

    public async Task<string> StateAsync(string id) =>
        (await Db.ReadAsync(u => u.Workspaces.GetByIdAsync(id)))?.State ?? "GONE";

    /// <summary>Moves the clock and runs whatever became due, as the worker would.</summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        Clock.Advance(by);
        while (await RunDueAsync() > 0) { }
    }

    /// <summary>Claims what is due and runs it to its outcome, as one pass of the worker does: with
    /// <paramref name="runner"/>'s handlers, or else this world's.</summary>
    public async Task<int> RunDueAsync(JobRunner? runner = null)
    {
        var jobs = runner ?? Jobs;
        var now = Clock.GetUtcNow().ToUnixTimeMilliseconds();
        var lease = now + (long)TimeSpan.FromMinutes(10).TotalMilliseconds;
        var claimed = await Db.WriteAsync(
            Journal.Service,
            u => u.Jobs.ClaimAsync(now, Node.LeaseOwner, lease, Node.Name, 128)
        );
        foreach (var job in claimed)
        {
            Exception? failure = null;
            try
            {
                await jobs.RunAsync(job, default);
            }
            catch (Exception ex)
            {
                failure = ex;
            }
            await jobs.CompleteAsync(job, Node.LeaseOwner, failure);
        }
        return claimed.Count;
    }

    public void Dispose()
    {
        foreach (var other in _others)
            other.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Db.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_connectionString is not null)
            Postgres.DropDatabase(_connectionString);
        try
        {
            Directory.Delete(Folder, true);
        }
        catch (IOException) { }
    }
}
