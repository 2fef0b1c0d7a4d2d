using Cubicle.Domain;
using Cubicle.Jobs;
using Cubicle.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Cubicle.Tests;

/// <summary>What the job runner owns for every handler: whether a failed attempt runs again (the handler's own
/// MaxAttempts), the warning that says so, and the handler's outcome only once the attempts are spent.</summary>
public sealed class JobRunnerTests
{
    private const string Subject = "TEST";

    private sealed class ThreeAttempts : IJobHandler
    {
        public readonly List<(long Seq, Exception? Failure)> Completed = [];

        public string Subject => JobRunnerTests.Subject;

        public int MaxAttempts(string kind) => kind == "ONCE" ? 1 : 3;

        public Task RunAsync(JobRecord job, CancellationToken ct) => Task.CompletedTask;

        public Task LockSubjectAsync(IUnitOfWork u, JobRecord job) => Task.CompletedTask;

        public Task CompleteAsync(IUnitOfWork u, JobRecord job, Exception? failure)
        {
            Completed.Add((job.SubjectSeq, failure));
            return Task.CompletedTask;
        }
    }

    private static JobRecord Job(string subject, string kind, int attempts) =>
        new()
        {
            Subject = subject,
            Kind = kind,
            Attempts = attempts,
        };

    [SkippableFact]
    public void A_failure_runs_again_while_the_handler_s_attempts_last()
    {
        using var w = new TestWorld();
        var runner = new JobRunner(w.Db, [new ThreeAttempts()], w.Clock);
        var boom = new InvalidOperationException("the desktop did not answer");
        Assert.True(runner.WillRetry(Job(Subject, "K", 1), boom));
        Assert.True(runner.WillRetry(Job(Subject, "K", 2), boom));
        Assert.False(runner.WillRetry(Job(Subject, "K", 3), boom));
        Assert.False(runner.WillRetry(Job(Subject, "ONCE", 1), boom));
        Assert.False(runner.WillRetry(Job("UNKNOWN", "K", 1), boom));
        // The host has no room: running it again cannot help.
        Assert.False(runner.WillRetry(Job(Subject, "K", 1), new PermanentFailureException("the disk is full")));
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_permanent_failure_reaches_the_handler_at_its_first_attempt(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var handler = new ThreeAttempts();
        var runner = new JobRunner(w.Db, [handler], w.Clock);
        var now = w.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        await w.Db.WriteAsync(Journal.Service, u => u.Jobs.ScheduleAsync(Subject, 42, "K", now));
        var full = new PermanentFailureException("the disk is below its reserve");
        var job = await ClaimAsync(w);
        await runner.CompleteAsync(job, "a:1", full);
        Assert.Same(full, Assert.Single(handler.Completed).Failure);
        Assert.Null(await w.Db.ReadAsync(u => u.Jobs.GetAsync(job.Id)));
    }

    private static async Task<JobRecord> ClaimAsync(TestWorld w)
    {
        var now = w.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        var claimed = await w.Db.WriteAsync(Journal.Service, u => u.Jobs.ClaimAsync(now, "a:1", now + 60_000, "a", 10));
        return Assert.Single(claimed);
    }

    [SkippableTheory]
    [MemberData(nameof(TestWorld.Engines), MemberType = typeof(TestWorld))]
    public async Task A_failed_attempt_is_logged_and_due_again_and_the_last_one_reaches_the_handler(string engine)
    {
        using var w = new TestWorld(engine: engine);
        var handler = new ThreeAttempts();
        var log = new FakeLogger<JobRunner>();
        var runner = new JobRunner(w.Db, [handler], w.Clock, log);
        var now = w.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        await w.Db.WriteAsync(Journal.Service, u => u.Jobs.ScheduleAsync(Subject, 42, "K", now));
        var boom = new InvalidOperationException("the desktop did not answer");

        for (var attempt = 1; attempt <= 2; attempt++)
        {
            var job = await ClaimAsync(w);
            Assert.Equal(attempt, job.Attempts);
            await runner.CompleteAsync(job, "a:1", boom);
            var warning = log.LatestRecord;
            Assert.Equal(LogLevel.Warning, warning.Level);
            Assert.Same(boom, warning.Exception);
            Assert.Equal($"Job K of TEST 42 failed (attempt {attempt} of 3); it runs again", warning.Message);
            var again = await w.Db.ReadAsync(u => u.Jobs.GetAsync(job.Id));
            Assert.Equal(now + (1000L << attempt), again!.DueAt);
            Assert.Empty(handler.Completed);
            w.Clock.Advance(TimeSpan.FromMilliseconds(1000L << attempt));
            now = w.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        }

        var last = await ClaimAsync(w);
        await runner.CompleteAsync(last, "a:1", boom);
        Assert.Equal(2, log.Collector.Count);
        Assert.Equal([(42L, (Exception?)boom)], handler.Completed);
        Assert.Null(await w.Db.ReadAsync(u => u.Jobs.GetAsync(last.Id)));
    }
}
