using System.Diagnostics;

namespace Rebalancer.Kubernetes.Telemetry;

/// <summary>
/// The one <see cref="ActivitySource"/> of Rebalancer and the name its meter shares, so one identifier turns on both
/// traces and metrics. Span and attribute names are documented in docs/telemetry.md; tests assert them.
/// </summary>
/// <remarks>Starting a span costs nothing when no listener (no exporter) is attached: <c>StartActivity</c> returns null.</remarks>
public static class RebalancerTelemetry
{
    /// <summary>The ActivitySource and Meter name.</summary>
    public const string Name = "Rebalancer";

    public static ActivitySource Source { get; } = new(Name, typeof(RebalancerTelemetry).Assembly.GetName().Version?.ToString(3));

    /// <summary>Marks the span failed with the exception's message and records the exception as an event (OTel's <c>exception</c>).</summary>
    public static void RecordError(this Activity? activity, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, exception is OperationCanceledException ? "cancelled" : exception.Message);
        activity.AddException(exception);
    }
}

/// <summary>Span names.</summary>
public static class SpanNames
{
    public const string Run = "rebalancer.run";
    public const string SnapshotRead = "snapshot.read";
    public const string SnapshotList = "snapshot.list";
    public const string SnapshotLoad = "snapshot.load";
    public const string Plan = "plan";
    public const string Plugin = "plan.plugin";
    public const string Evict = "evict";
    public const string PrometheusRead = "prometheus.read";
    public const string PrometheusQuery = "prometheus.query";
}

/// <summary>
/// Attribute names: OpenTelemetry semantic conventions where one exists (<c>k8s.*</c>, <c>http.*</c>), the
/// <c>rebalancer.</c> prefix otherwise.
/// </summary>
public static class SpanAttributes
{
    public const string PodName = "k8s.pod.name";
    public const string NamespaceName = "k8s.namespace.name";
    public const string NodeName = "k8s.node.name";
    public const string HttpStatusCode = "http.response.status_code";
    public const string ExitCode = "process.exit.code";

    public const string Mode = "rebalancer.mode";
    public const string Source = "rebalancer.source";
    public const string Context = "rebalancer.kube.context";
    public const string SnapshotFile = "rebalancer.snapshot.file";
    public const string PolicySource = "rebalancer.policy.source";
    public const string PolicyDigest = "rebalancer.policy.digest";

    public const string Resource = "rebalancer.resource";
    public const string Present = "rebalancer.resource.present";
    public const string Pages = "rebalancer.pages";
    public const string Objects = "rebalancer.objects";
    public const string Bytes = "rebalancer.bytes";
    public const string Restarts = "rebalancer.restarts";
    public const string MetricsAvailable = "rebalancer.metrics.available";

    public const string Nodes = "rebalancer.nodes";
    public const string NodesConsidered = "rebalancer.nodes.considered";
    public const string Pods = "rebalancer.pods";
    public const string EvictionsPlanned = "rebalancer.evictions.planned";
    public const string Skips = "rebalancer.skips";
    public const string NodeLossSurvivableBefore = "rebalancer.headroom.node_loss_survivable.before";
    public const string NodeLossSurvivableAfter = "rebalancer.headroom.node_loss_survivable.after";

    /// <summary>Prefix of the per-outcome counts on the root span, e.g. <c>rebalancer.evictions.Evicted</c>.</summary>
    public const string EvictionsByOutcomePrefix = "rebalancer.evictions.";

    public const string Profile = "rebalancer.profile";
    public const string Plugin = "rebalancer.plugin";
    public const string ExtensionPoint = "rebalancer.extension_point";
    public const string Candidates = "rebalancer.plugin.candidates";
    public const string EvictionsProposed = "rebalancer.plugin.evictions";
    public const string PluginSkips = "rebalancer.plugin.skips";

    /// <summary>A string array, one <c>reason=count</c> per skip reason, sorted by reason.</summary>
    public const string SkipsByReason = "rebalancer.plugin.skips_by_reason";
    public const string NodesDrained = "rebalancer.consolidation.nodes_drained";
    public const string SpotFractionBefore = "rebalancer.spot.fraction_before";
    public const string SpotFractionAfter = "rebalancer.spot.fraction_after";

    public const string PrometheusQuery = "rebalancer.prometheus.query";
    public const string PrometheusRequests = "rebalancer.prometheus.requests";
    public const string PrometheusSeries = "rebalancer.prometheus.series";
    public const string PrometheusContainers = "rebalancer.prometheus.containers";
    public const string PrometheusOutcome = "rebalancer.prometheus.outcome";

    public const string Outcome = "rebalancer.eviction.outcome";
    public const string Attempts = "rebalancer.eviction.attempts";
    public const string TargetNode = "rebalancer.eviction.target_node";
}
