using Cubicle.Domain;
using Cubicle.Protocol;
using Cubicle.Storage;
using static Cubicle.Tests.DirectoryWorld;

namespace Cubicle.Tests;

/// <summary>
/// A registration's lifecycle as durable jobs: REGISTERING until the transition is due, then REGISTERED;
/// DEREGISTERING, then gone with its tags. The outcome of a claim that was lost, or of an attempt already retried, is
/// not applied, and jobs of a registration that is gone complete without effect.
/// </summary>
public sealed class RegistrationLifecycleTests
{
    private const string Id = "d-1000000001";

    private static async Task<DirectoryWorld> RegisteringAsync(string engine = "sqlite")
    {
        var w = new DirectoryWorld(engine);
        await w.DsDirectoryAsync(Id);
        await w.RegisterAsync(Id, r => r.Tags = [new() { Key = "site", Value = "branch" }]);
        return w;
    }

    private static Task<List<JobRecord>> ClaimAsync(DirectoryWorld w, string owner, TimeSpan lease)
    {
        var now = w.W.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        return w.W.Db.WriteAsync(
            Journal.Service,
            u => u.Jobs.ClaimAsync(now, owner, now + (long)lease.TotalMilliseconds, "local", 10)
        );
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_registration_is_REGISTERING_until_the_transition_is_due(string engine)
    {
        using var w = await RegisteringAsync(engine);
        await w.AdvanceAsync(TimeSpan.FromSeconds(4.9));
        Assert.Equal("REGISTERING", await w.StateAsync(Id));
        await w.AdvanceAsync(TimeSpan.FromSeconds(0.1));
        Assert.Equal("REGISTERED", await w.StateAsync(Id));
        Assert.Equal(0, await w.QueuedRegistrationJobsAsync());
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_deregistered_directory_is_gone_with_its_tags_when_the_transition_is_due(string engine)
    {
        using var w = await RegisteringAsync(engine);
        await w.AdvanceAsync(Transition);
        await w.DeregisterAsync(Id);
        Assert.Equal("DEREGISTERING", await w.StateAsync(Id));
        await w.AdvanceAsync(TimeSpan.FromSeconds(4.9));
        Assert.Equal("DEREGISTERING", await w.StateAsync(Id));
        Assert.Equal("site=branch", await w.TagsAsync(Id));
        await w.AdvanceAsync(TimeSpan.FromSeconds(0.1));
        Assert.Null(await w.DescribeAsync(Id));
        Assert.Equal(0, await w.QueuedRegistrationJobsAsync());
        var ex = await Refused(ErrorCodes.ResourceNotFound, () => w.TagsAsync(Id));
        Assert.Equal(Id, ex.ResourceId);

        // Registered again, it starts afresh: no tags, a new code, the defaults.
        await w.RegisterAsync(Id);
        Assert.Equal("", await w.TagsAsync(Id));
        Assert.Equal("REGISTERING", await w.StateAsync(Id));
        await w.AdvanceAsync(Transition);
        Assert.Equal("REGISTERED", await w.StateAsync(Id));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_deregistration_begun_while_registering_is_not_undone(string engine)
    {
        using var w = await RegisteringAsync(engine);
        await w.AdvanceAsync(TimeSpan.FromSeconds(1));
        await w.DeregisterAsync(Id);
        // The registration's job comes due first, and leaves the directory DEREGISTERING.
        await w.AdvanceAsync(TimeSpan.FromSeconds(4));
        Assert.Equal("DEREGISTERING", await w.StateAsync(Id));
        Assert.Equal(1, await w.QueuedRegistrationJobsAsync());
        await w.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Null(await w.DescribeAsync(Id));
        Assert.Equal(0, await w.QueuedRegistrationJobsAsync());
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task The_outcome_of_a_claim_another_node_holds_is_not_applied(string engine)
    {
        using var w = await RegisteringAsync(engine);
        w.W.Clock.Advance(Transition);
        var job = Assert.Single(await ClaimAsync(w, "a:1", TimeSpan.FromMinutes(10)));
        await w.Jobs.CompleteAsync(job, "b:1", null);
        Assert.Equal("REGISTERING", await w.StateAsync(Id));
        Assert.Equal(1, await w.QueuedRegistrationJobsAsync());
        await w.Jobs.CompleteAsync(job, "a:1", null);
        Assert.Equal("REGISTERED", await w.StateAsync(Id));
        Assert.Equal(0, await w.QueuedRegistrationJobsAsync());

        // Its outcome delivered again (the job is gone) changes nothing, and fails nothing.
        await w.Service.ModifySelfservicePermissionsAsync(
            w.Caller(),
            new()
            {
                ResourceId = Id,
                SelfservicePermissions = new() { RebuildWorkspace = "ENABLED" },
            }
        );
        var before = await w.JsonAsync(Id);
        await w.Jobs.CompleteAsync(job, "a:1", null);
        Assert.Equal(before, await w.JsonAsync(Id));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task The_outcome_of_an_attempt_already_retried_is_not_applied(string engine)
    {
        using var w = await RegisteringAsync(engine);
        w.W.Clock.Advance(Transition);
        var first = Assert.Single(await ClaimAsync(w, "a:1", TimeSpan.FromSeconds(1)));
        // The lease ran out: the same node claims the job again, as a new attempt.
        w.W.Clock.Advance(TimeSpan.FromSeconds(2));
        var second = Assert.Single(await ClaimAsync(w, "a:1", TimeSpan.FromMinutes(10)));
        Assert.Equal(first.Attempts + 1, second.Attempts);
        await w.Jobs.CompleteAsync(first, "a:1", null);
        Assert.Equal("REGISTERING", await w.StateAsync(Id));
        Assert.Equal(1, await w.QueuedRegistrationJobsAsync());
        await w.Jobs.CompleteAsync(second, "a:1", null);
        Assert.Equal("REGISTERED", await w.StateAsync(Id));
        Assert.Equal(0, await w.QueuedRegistrationJobsAsync());
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_job_of_a_registration_that_is_gone_completes_without_effect(string engine)
    {
        using var w = await RegisteringAsync(engine);
        await w.DeregisterAsync(Id);
        w.W.Clock.Advance(Transition);
        // The worker runs the two jobs at once; the deregistration happens to commit first.
        var jobs = await ClaimAsync(w, "a:1", TimeSpan.FromMinutes(10));
        Assert.Equal(2, jobs.Count);
        var register = jobs.Single(j => j.Kind == DirectoryJobs.Register);
        var deregister = jobs.Single(j => j.Kind == DirectoryJobs.Deregister);
        await w.Jobs.CompleteAsync(deregister, "a:1", null);
        Assert.Null(await w.DescribeAsync(Id));
        await w.Jobs.CompleteAsync(register, "a:1", null);
        Assert.Null(await w.DescribeAsync(Id));
        Assert.Equal(0, await w.QueuedRegistrationJobsAsync());
    }
}
