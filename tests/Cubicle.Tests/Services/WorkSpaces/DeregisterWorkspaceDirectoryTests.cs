using Cubicle.Protocol;
using Cubicle.Services.WorkSpaces;
using static Cubicle.Tests.DirectoryWorld;

namespace Cubicle.Tests;

/// <summary>
/// DeregisterWorkspaceDirectory as a client sees it: refused while the directory still has WorkSpaces, DEREGISTERING
/// at once and gone when the transition is due, a repeated call a no-op, unknown directories not found, and members at
/// fault named.
/// </summary>
public sealed class DeregisterWorkspaceDirectoryTests
{
    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_directory_that_still_has_WorkSpaces_is_not_deregistered(string engine)
    {
        using var w = new DirectoryWorld(engine);
        var alice = (await w.CreateWorkspaceAsync(Demo, "alice")).Id!;
        var bob = (await w.CreateWorkspaceAsync(Demo, "bob")).Id!;
        await w.AdvanceAsync(Transition);
        var ex = await Refused(ErrorCodes.InvalidResourceState, () => w.DeregisterAsync(Demo));
        Assert.Equal(
            $"The directory {Demo} still has 2 WorkSpace(s): terminate them before deregistering it.",
            ex.Message
        );
        Assert.Equal("REGISTERED", await w.StateAsync(Demo));
        Assert.Equal(0, await w.QueuedRegistrationJobsAsync());

        // A workspace being terminated is still there.
        await w.TerminateAsync(alice);
        ex = await Refused(ErrorCodes.InvalidResourceState, () => w.DeregisterAsync(Demo));
        Assert.Contains("still has 2 WorkSpace(s)", ex.Message);
        await w.AdvanceAsync(Transition);
        ex = await Refused(ErrorCodes.InvalidResourceState, () => w.DeregisterAsync(Demo));
        Assert.Contains("still has 1 WorkSpace(s)", ex.Message);

        await w.TerminateAsync(bob);
        await w.AdvanceAsync(Transition);
        await w.DeregisterAsync(Demo);
        Assert.Equal("DEREGISTERING", await w.StateAsync(Demo));
        Assert.Equal(ErrorCodes.ItemDirectoryState, (await w.CreateWorkspaceAsync(Demo, "carol")).Error);
        await w.AdvanceAsync(Transition);
        Assert.Null(await w.DescribeAsync(Demo));
        Assert.Equal(ErrorCodes.ItemDirectoryNotFound, (await w.CreateWorkspaceAsync(Demo, "carol")).Error);
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task Deregistering_again_changes_nothing(string engine)
    {
        using var w = new DirectoryWorld(engine);
        await w.DeregisterAsync(Demo);
        var before = await w.JsonAsync(Demo);
        await w.AdvanceAsync(TimeSpan.FromSeconds(2));
        await w.DeregisterAsync(Demo);
        Assert.Equal(before, await w.JsonAsync(Demo));
        Assert.Equal(1, await w.QueuedRegistrationJobsAsync());
        await w.AdvanceAsync(TimeSpan.FromSeconds(3));
        Assert.Null(await w.DescribeAsync(Demo));
        Assert.Equal(0, await w.QueuedRegistrationJobsAsync());
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_directory_not_registered_here_is_not_found(string engine)
    {
        using var w = new DirectoryWorld(engine);
        // Known to Directory Service, but not registered with WorkSpaces.
        await w.DsDirectoryAsync("d-1000000001");
        foreach (
            var (id, ctx) in new[]
            {
                ("d-1000000001", w.Caller()),
                ("d-0123456789", w.Caller()),
                (Demo, w.Caller(region: "eu-west-1")),
                (Demo, w.Caller(account: "111122223333")),
            }
        )
        {
            var ex = await Refused(ErrorCodes.ResourceNotFound, () => w.DeregisterAsync(id, ctx));
            Assert.Equal($"The directory {id} is not registered with WorkSpaces.", ex.Message);
            Assert.Equal(id, ex.ResourceId);
        }
        Assert.Equal("REGISTERED", await w.StateAsync(Demo));
        Assert.Equal(0, await w.QueuedRegistrationJobsAsync());
    }

    [SkippableTheory]
    [InlineData(null, "The parameter DirectoryId is required but was not provided.")]
    [InlineData("", "Invalid value for DirectoryId: its length must be between 10 and 65, but it is 0.")]
    [InlineData("d-926722", "Invalid value for DirectoryId: its length must be between 10 and 65, but it is 8.")]
    [InlineData("D-926722EDAF", "Invalid value for DirectoryId: 'D-926722EDAF' does not match the pattern")]
    public async Task A_refusal_names_the_member_at_fault(string? id, string message)
    {
        using var w = new DirectoryWorld();
        var ex = await Refused(
            ErrorCodes.InvalidParameterValues,
            () => w.Service.DeregisterAsync(w.Caller(), new DeregisterWorkspaceDirectoryRequest { DirectoryId = id })
        );
        Assert.StartsWith(message, ex.Message);
        Assert.Equal("REGISTERED", await w.StateAsync(Demo));
    }
}
