using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using Cubicle.Storage;

namespace Cubicle.Tests;

/// <summary>
/// A directory's registration changed through two nodes at the same moment: deregistering it against creating a
/// workspace in it (never both), and against changing its settings (the deregistration is never undone).
/// </summary>
public sealed class RegistrationRaceTests
{
    private const int Count = 10;

    private static string DirectoryId(int i) => $"d-{i:x10}";

    /// <summary>Ten registered directories, each with one user named after it.</summary>
    private static async Task<TestWorld> WorldAsync(string engine)
    {
        var w = new TestWorld(engine: engine);
        var file = Path.Combine(w.Folder, "directories.json");
        var entries = Enumerable
            .Range(1, Count)
            .Select(i =>
                $$"""
                    {"DirectoryId": "{{DirectoryId(i)}}", "DirectoryName": "d{{i}}.example.com",
                     "SubnetIds": ["subnet-0a1b2c{{i:x2}}"], "Users": ["user{{i}}"]}
                    """
            );
        await File.WriteAllTextAsync(file, $$"""{"Directories": [{{string.Join(",", entries)}}]}""");
        await DirectoryLoader.LoadAsync(w.Db, file, w.Clock);
        return w;
    }

    private static WorkspaceDirectoryService Registrations(TestWorld w, IDatabase db) =>
        new(db, new PageTokens(new byte[32], w.Clock), new RegistrationLifecycle(w.Provider, w.Clock));

    private static async Task<string?> StateAsync(TestWorld w, string id) =>
        await w.Db.ReadAsync(u => u.Registrations.GetAsync(CubicleOptions.DefaultAccountId, "us-east-1", id)) is { } row
            ? Cubicle.Services.WorkSpaces.Registrations.Parse(row).State
            : null;

    public static TheoryData<string> Engines() => TestWorld.Engines();

    private static async Task<string?> CreateAsync(TestWorld w, WorkspaceActions node, int n)
    {
        var r = await node.CreateAsync(
            w.Caller(),
            new()
            {
                Workspaces =
                [
                    new()
                    {
                        DirectoryId = DirectoryId(n),
                        UserName = $"user{n}",
                        BundleId = "wsb-al2std01",
                    },
                ],
            }
        );
        return r.FailedRequests!.SingleOrDefault()?.ErrorCode;
    }

    [SkippableTheory]
    [MemberData(nameof(Engines))]
    public async Task A_directory_being_deregistered_gets_no_new_workspace(string engine)
    {
        using var w = await WorldAsync(engine);
        var a = Registrations(w, w.Db);
        var b = w.OtherNode("b").Workspaces;
        // The deregistrations first: a create that did not lock what it checks would slip in behind them.
        var outcomes = await Races.HeldTogether(
            w,
            (
                Count,
                Count,
                i => Races.Outcome(() => a.DeregisterAsync(w.Caller(), new() { DirectoryId = DirectoryId(i + 1) }))
            ),
            (Count, Count, i => CreateAsync(w, b, i + 1)),
            "SELECT seq FROM directories FOR UPDATE"
        );
        for (var n = 1; n <= Count; n++)
        {
            var (deregistered, created) = (outcomes[n - 1], outcomes[Count + n - 1]);
            Assert.True(deregistered is null ^ created is null, $"{DirectoryId(n)}: {deregistered}, {created}");
            Assert.Contains(
                deregistered ?? created,
                new[] { ErrorCodes.InvalidResourceState, ErrorCodes.ItemDirectoryState }
            );
            Assert.Equal(deregistered is null ? "DEREGISTERING" : "REGISTERED", await StateAsync(w, DirectoryId(n)));
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Engines))]
    public async Task A_deregistration_is_never_undone_by_a_change_of_settings(string engine)
    {
        using var w = await WorldAsync(engine);
        var a = Registrations(w, w.Db);
        var b = Registrations(w, w.OtherNode("b").Db);
        var outcomes = await Races.HeldTogether(
            w,
            (
                Count,
                Count,
                i => Races.Outcome(() => a.DeregisterAsync(w.Caller(), new() { DirectoryId = DirectoryId(i + 1) }))
            ),
            (
                Count,
                Count,
                i =>
                    Races.Outcome(() =>
                        b.ModifySelfservicePermissionsAsync(
                            w.Caller(),
                            new()
                            {
                                ResourceId = DirectoryId(i + 1),
                                SelfservicePermissions = new() { RestartWorkspace = "DISABLED" },
                            }
                        )
                    )
            ),
            "SELECT seq FROM directories FOR UPDATE"
        );
        for (var n = 1; n <= Count; n++)
        {
            Assert.Null(outcomes[n - 1]);
            Assert.Null(outcomes[Count + n - 1]);
            Assert.Equal("DEREGISTERING", await StateAsync(w, DirectoryId(n)));
        }
    }
}
