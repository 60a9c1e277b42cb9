using System.Diagnostics;
using Rebalancer.Core.Usage;
using Rebalancer.Kubernetes.Telemetry;

namespace Rebalancer.Kubernetes.Prometheus;

/// <summary>What to read from Prometheus before planning.</summary>
public sealed record PrometheusReadRequest
{
    /// <summary>The evaluation time of every query: the plan's clock (<c>--now</c> pins it, so a plan can be reproduced).</summary>
    public required DateTimeOffset End { get; init; }

    /// <summary>The history window; zero reads no history.</summary>
    public TimeSpan HistoryWindow { get; init; }

    /// <summary>LowNodeUtilization's <c>metricsUtilization.prometheus.query</c> texts, each run once.</summary>
    public IReadOnlyCollection<string> NodeQueries { get; init; } = [];

    /// <summary>The snapshot's namespaces (for splitting a query that is over the server's sample limit).</summary>
    public IReadOnlyCollection<string> Namespaces { get; init; } = [];
}

/// <summary>What was read, for the planner, and the per-query figures, for telemetry and the benchmark.</summary>
public sealed record PrometheusReadResult(UsageInputs Inputs, IReadOnlyList<QueryStatistics> Queries);

/// <summary>
/// Reads everything the planner needs from one Prometheus: the node values LowNodeUtilization's queries ask for (first:
/// few and cheap), then the usage history. A server that cannot be reached or refuses the token is asked nothing more;
/// every failure becomes a warning of the plan (or, for a node query, the plugin's own warning), never an exception,
/// so the rest of the plan runs.
/// </summary>
public static class PrometheusUsageReader
{
    public static async Task<PrometheusReadResult> ReadAsync(PrometheusClient client, UsageHistorySettings settings, PrometheusReadRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(request);
        using Activity? span = RebalancerTelemetry.Source.StartActivity(SpanNames.PrometheusRead);
        span?.SetTag(SpanAttributes.Source, client.Endpoint.Description);
        var warnings = new List<string>();
        var statistics = new List<QueryStatistics>();
        var nodeMetrics = new Dictionary<string, NodeMetricQueryResult>(StringComparer.Ordinal);
        PrometheusAnswer? stopped = null;
        foreach (string query in request.NodeQueries.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (stopped is not null)
            {
                nodeMetrics[query] = NodeMetricQueryResult.Failed(query, request.End, stopped.Describe());
                continue;
            }

            var sink = new NodeValueSink();
            PrometheusAnswer answer = await client.QueryAsync(query, request.End, sink, cancellationToken).ConfigureAwait(false);
            statistics.Add(new QueryStatistics("node query", answer.Outcome, 1, answer.Series, answer.Samples, answer.Elapsed));
            if (!answer.IsSuccess)
            {
                nodeMetrics[query] = NodeMetricQueryResult.Failed(query, request.End, $"{client.Endpoint.Description}: {answer.Describe()}");
                stopped = answer.StopsEverything ? answer : null;
                continue;
            }

            nodeMetrics[query] = new NodeMetricQueryResult(query, request.End, null, answer.ResultType, sink.Samples);
            if (answer.Partial || answer.Warnings.Count > 0)
            {
                warnings.Add($"Prometheus query '{query}': {client.Endpoint.Description} {(answer.Partial ? "answered partially" : "warned")}{(answer.Warnings.Count > 0 ? ": " + string.Join("; ", answer.Warnings.Take(3)) : string.Empty)}");
            }
        }

        UsageHistory? history = null;
        if (request.HistoryWindow > TimeSpan.Zero)
        {
            if (stopped is not null)
            {
                warnings.Add($"usage history: {client.Endpoint.Description} could not be queried ({stopped.Describe()}); no usage history is used");
            }
            else
            {
                UsageHistoryReadResult read = await new UsageHistoryReader(client, settings)
                    .ReadAsync(request.End, request.HistoryWindow, request.Namespaces, cancellationToken).ConfigureAwait(false);
                history = read.History;
                warnings.AddRange(read.Warnings);
                statistics.AddRange(read.Queries);
            }
        }

        span?.SetTag(SpanAttributes.PrometheusContainers, history?.Count);
        if (warnings.Count > 0)
        {
            span?.SetStatus(ActivityStatusCode.Error, warnings[0]);
        }

        var inputs = new UsageInputs { History = history, NodeMetrics = nodeMetrics, Warnings = warnings, Source = client.Endpoint.Description };
        return new PrometheusReadResult(inputs, statistics);
    }

    /// <summary>Collects <c>instance</c> and value per sample of a node-value vector (unvalidated: the plugin checks it).</summary>
    private sealed class NodeValueSink : IPrometheusSeriesSink
    {
        public List<NodeMetricSample> Samples { get; } = [];

        public IReadOnlyList<string> Labels { get; } = ["instance"];

        public void OnSeries(ReadOnlySpan<string?> labels, ReadOnlySpan<PrometheusSample> samples)
        {
            if (samples.Length > 0)
            {
                Samples.Add(new NodeMetricSample(labels[0], samples[^1].Value));
            }
        }

        public void OnScalar(PrometheusSample sample)
        {
        }
    }
}
