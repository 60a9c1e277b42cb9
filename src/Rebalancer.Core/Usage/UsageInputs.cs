namespace Rebalancer.Core.Usage;

/// <summary>
/// What was read from Prometheus beside the snapshot, for the planner: the usage history per container, the answers to
/// LowNodeUtilization's Prometheus queries, and what went wrong reading them. Read before planning by the Kubernetes
/// adapter (the core does no I/O); <see cref="None"/> when no Prometheus is configured.
/// </summary>
public sealed record UsageInputs
{
    public static readonly UsageInputs None = new();

    /// <summary>The usage history; null when none was read (no Prometheus, <c>--history 0</c>, or it could not be read).</summary>
    public UsageHistory? History { get; init; }

    /// <summary>The answers to <c>metricsUtilization.prometheus.query</c>, by query text.</summary>
    public IReadOnlyDictionary<string, NodeMetricQueryResult> NodeMetrics { get; init; } = new Dictionary<string, NodeMetricQueryResult>(StringComparer.Ordinal);

    /// <summary>
    /// Problems met reading Prometheus (unreachable, 401, a query over its limits, NaN values, a partial response…),
    /// each a complete sentence for the report. The plan still runs; what could not be read is simply not there.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>The Prometheus the inputs came from (its URL without credentials); null when none.</summary>
    public string? Source { get; init; }
}

/// <summary>
/// The answer to one instant query for node values (LowNodeUtilization's Prometheus source), unvalidated: the plugin
/// applies the descheduler's rules (a vector, an <c>instance</c> label per sample, values in [0, 1]).
/// </summary>
/// <param name="Query">The PromQL text, as configured.</param>
/// <param name="Time">The evaluation time.</param>
/// <param name="Error">Why there is no answer (unreachable, 401, a PromQL error…); null when Prometheus answered.</param>
/// <param name="ResultType">The answer's <c>resultType</c>: <c>vector</c>, <c>matrix</c>, <c>scalar</c> or <c>string</c>.</param>
/// <param name="Samples">For a vector, one entry per sample in response order; empty otherwise.</param>
public sealed record NodeMetricQueryResult(string Query, DateTimeOffset Time, string? Error, string? ResultType, IReadOnlyList<NodeMetricSample> Samples)
{
    public static NodeMetricQueryResult Failed(string query, DateTimeOffset time, string error) => new(query, time, error, null, []);
}

/// <summary>One sample of a node-value vector: its <c>instance</c> label (null when the series has none) and value.</summary>
public readonly record struct NodeMetricSample(string? Instance, double Value);
