using System.Diagnostics.Metrics;
using Cubicle.Domain;

namespace Cubicle.Observability;

/// <summary>
/// What Cubicle counts and measures (System.Diagnostics.Metrics, meter "Cubicle"), exported in Prometheus' format at
/// /metrics: API requests by service, action and outcome, their latency, refused authentications and throttling,
/// lifecycle jobs, desktops, the audit trail's backlog, and database errors. Values that live in the database
/// (jobs queued, desktops running, events waiting) are sampled by <see cref="MetricsSampler"/>.
/// </summary>
public sealed class CubicleMetrics : IDisposable
{
    public const string MeterName = "Cubicle";

    /// <summary>Request latency buckets, in seconds: an in-memory call takes well under a millisecond.</summary>
    public static readonly double[] LatencyBuckets =
    [
        0.0005,
        0.001,
        0.0025,
        0.005,
        0.01,
        0.025,
        0.05,
        0.1,
        0.25,
        0.5,
        1,
        2.5,
        5,
    ];

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _latency;
    private readonly Counter<long> _authRefused;
    private readonly Counter<long> _throttled;
    private readonly Counter<long> _jobsFinished;
    private readonly Counter<long> _jobsRetried;
    private readonly UpDownCounter<long> _jobsRunning;
    private readonly Counter<long> _databaseErrors;
    private readonly Counter<long> _auditWaited;
    private readonly Counter<long> _auditDropped;
    private readonly Counter<long> _auditWriteFailures;

    /// <summary>The latest samples of what the database holds (see <see cref="MetricsSampler"/>).</summary>
    public volatile IReadOnlyDictionary<string, long> JobsQueued = new Dictionary<string, long>();
    public long DesktopsRunning;
    public long AuditEventsWaiting;
    public double AuditDeliveryLagSeconds;

    /// <summary>Each desktop host's capacity as it last measured it, and what its workspaces hold.</summary>
    public volatile IReadOnlyList<(HostCapacity Capacity, HostLoad Load)> Hosts = [];

    /// <summary>Bytes of read events answered and not yet stored (--audit-read-events buffered).</summary>
    public long AuditBufferedBytes;

    public CubicleMetrics()
    {
        _requests = _meter.CreateCounter<long>(
            "cubicle.requests",
            description: "API requests, by service, action and outcome (error code, or OK)."
        );
        _latency = _meter.CreateHistogram<double>(
            "cubicle.request.duration",
            unit: "s",
            description: "API request latency, by service and action.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets }
        );
        _authRefused = _meter.CreateCounter<long>(
            "cubicle.auth.refused",
            description: "Requests refused before an action: bad, missing or expired signatures, unknown keys."
        );
        _throttled = _meter.CreateCounter<long>(
            "cubicle.throttled",
            description: "Requests refused by an account's throttle."
        );
        _jobsFinished = _meter.CreateCounter<long>(
            "cubicle.jobs.finished",
            description: "Lifecycle jobs this node ran, by kind and outcome (ok, failed)."
        );
        _jobsRetried = _meter.CreateCounter<long>(
            "cubicle.jobs.retried",
            description: "Lifecycle jobs that failed and were queued again."
        );
        _jobsRunning = _meter.CreateUpDownCounter<long>(
            "cubicle.jobs.running",
            description: "Lifecycle jobs running on this node now."
        );
        _databaseErrors = _meter.CreateCounter<long>(
            "cubicle.database.errors",
            description: "Calls answered 503 because the database could not serve them."
        );
        _auditWaited = _meter.CreateCounter<long>(
            "cubicle.audit.read_events_waited",
            description: "Read-only calls that waited for room for their audit event (buffered read events)."
        );
        _auditDropped = _meter.CreateCounter<long>(
            "cubicle.audit.events_dropped",
            description: "Audit events of calls already answered (buffered read events) that could not be stored."
        );
        _meter.CreateObservableGauge(
            "cubicle.audit.buffered",
            () => Interlocked.Read(ref AuditBufferedBytes),
            unit: "By",
            description: "Bytes of buffered read events answered and not yet stored."
        );
        _auditWriteFailures = _meter.CreateCounter<long>(
            "cubicle.audit.write_failures",
            description: "Trail files that could not be written in their place, by kind: log files set aside in the "
                + "trail's quarantine folder, digests retried at the next interval."
        );
        ObserveSamples();
    }

    /// <summary>The values sampled from the database, read at each scrape.</summary>
    private void ObserveSamples()
    {
        _meter.CreateObservableGauge(
            "cubicle.jobs.queued",
            () =>
                JobsQueued.Select(j => new Measurement<long>(
                    j.Value,
                    new KeyValuePair<string, object?>("kind", j.Key)
                )),
            description: "Lifecycle jobs queued in the database (all nodes), by kind."
        );
        _meter.CreateObservableGauge(
            "cubicle.desktops.running",
            () => Interlocked.Read(ref DesktopsRunning),
            description: "Workspaces whose desktop is running (all nodes)."
        );
        _meter.CreateObservableGauge(
            "cubicle.audit.events_waiting",
            () => Interlocked.Read(ref AuditEventsWaiting),
            description: "Audit events not yet delivered to log files."
        );
        _meter.CreateObservableGauge(
            "cubicle.audit.delivery_lag",
            () => AuditDeliveryLagSeconds,
            unit: "s",
            description: "Age of the oldest audit event not yet delivered."
        );
        ObserveHosts();
    }

    /// <summary>Per desktop host: what it has, may promise, has promised, really uses, and has free.</summary>
    private void ObserveHosts()
    {
        HostGauge(
            "cubicle.host.disk",
            "By",
            "Desktop hosts' disk: capacity (what desktops' files can use), reserve, limit (what may be promised), "
                + "provisioned (volume sizes promised), used (what the files hold), free.",
            ("capacity", h => h.Capacity.DiskBytes),
            ("reserve", h => h.Capacity.DiskReserveBytes),
            ("limit", h => h.Capacity.DiskLimitBytes),
            ("provisioned", h => h.Load.DiskBytes),
            ("used", h => h.Capacity.DiskUsedBytes),
            ("free", h => h.Capacity.DiskFreeBytes)
        );
        HostGauge(
            "cubicle.host.memory",
            "By",
            "Desktop hosts' memory: capacity, limit (what may be promised), provisioned (running desktops' compute "
                + "types), used, free.",
            ("capacity", h => h.Capacity.MemoryBytes),
            ("limit", h => h.Capacity.MemoryLimitBytes),
            ("provisioned", h => h.Load.MemoryBytes),
            ("used", h => h.Capacity.MemoryUsedBytes),
            ("free", h => Math.Max(0, h.Capacity.MemoryBytes - h.Capacity.MemoryUsedBytes))
        );
        HostGauge(
            "cubicle.host.desktops",
            null,
            "Desktop hosts' desktops: how many may run at once, how many run.",
            ("max", h => h.Capacity.MaxDesktops),
            ("running", h => h.Load.Desktops)
        );
    }

    /// <summary>One gauge of every desktop host, one measurement a host and measure (labels host, measure).
    /// </summary>
    private void HostGauge(
        string name,
        string? unit,
        string description,
        params (string Measure, Func<(HostCapacity Capacity, HostLoad Load), long> Value)[] measures
    ) =>
        _meter.CreateObservableGauge(
            name,
            () =>
                Hosts.SelectMany(h =>
                    measures.Select(m => new Measurement<long>(
                        m.Value(h),
                        new KeyValuePair<string, object?>("host", h.Capacity.Host),
                        new("measure", m.Measure)
                    ))
                ),
            unit,
            description
        );

    public void Request(string service, string action, string outcome, double seconds)
    {
        _requests.Add(1, new("service", service), new("action", action), new("code", outcome));
        _latency.Record(seconds, new KeyValuePair<string, object?>("service", service), new("action", action));
    }

    public void AuthRefused(string code) => _authRefused.Add(1, new KeyValuePair<string, object?>("code", code));

    public void Throttled() => _throttled.Add(1);

    public void DatabaseError() => _databaseErrors.Add(1);

    public void AuditReadEventWaited() => _auditWaited.Add(1);

    public void AuditEventDropped() => _auditDropped.Add(1);

    public void AuditWriteFailed(string kind) =>
        _auditWriteFailures.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void JobStarted() => _jobsRunning.Add(1);

    public void JobFinished(string kind, bool ok, bool retried)
    {
        _jobsRunning.Add(-1);
        _jobsFinished.Add(1, new("kind", kind), new("outcome", ok ? "ok" : "failed"));
        if (retried)
            _jobsRetried.Add(1, new KeyValuePair<string, object?>("kind", kind));
    }

    public void Dispose() => _meter.Dispose();
}
