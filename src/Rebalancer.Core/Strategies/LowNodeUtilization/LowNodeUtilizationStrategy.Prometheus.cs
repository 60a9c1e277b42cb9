using System.Globalization;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Strategies.NodeUtilization;
using Rebalancer.Core.Usage;

namespace Rebalancer.Core.Strategies.LowNodeUtilization;

/// <summary>
/// <c>metricsUtilization: {source: Prometheus, prometheus: {query}}</c>, as descheduler v0.36's
/// <c>prometheusUsageClient</c> and <c>evictPods</c> do it (descheduler-semantics §1.2): the query, evaluated at the
/// plan's time, must return a vector with one sample per node, labelled <c>instance</c> = the node name, valued in
/// [0, 1]; a node's usage is the single resource <c>MetricResource</c> = int64(value × 100) out of a capacity of 100.
/// A pod's share of that value is unknown, so after an eviction the node's usage is not lowered: the plugin evicts one
/// pod per overutilized node, or up to <c>evictionLimits.node</c> pods when that is set.
/// </summary>
/// <remarks>
/// Where this differs from the descheduler (docs/compatibility.md): a query that fails, returns the wrong type, a
/// sample without <c>instance</c>, a value outside [0, 1] (NaN included, which the descheduler lets through and turns
/// into an undefined integer), or two samples for one node skips the plugin with a warning — the descheduler's plugin
/// returns an error and does nothing either; a node without a sample is left out of the classification with a warning,
/// where the descheduler fails the whole plugin. The node values are those of the query: earlier plugins' planned moves
/// are not reflected in them.
/// </remarks>
public sealed partial class LowNodeUtilizationStrategy
{
    /// <summary>The descheduler's name of the single resource a Prometheus query yields (<c>nodeutilization.MetricResource</c>).</summary>
    public const string MetricResource = "MetricResource";

    private void RunOnPrometheus(PlanningContext context)
    {
        ClusterSnapshot snapshot = context.Snapshot;
        string query = _settings.PrometheusQuery ?? string.Empty;
        if (NodeValues(context, query) is not { } values)
        {
            return;
        }

        var nodes = new List<int>();
        var missing = new List<int>();
        foreach (int node in context.Nodes)
        {
            (values.ContainsKey(snapshot.Nodes.Name[node]) ? nodes : missing).Add(node);
        }

        if (missing.Count > 0)
        {
            string hint = nodes.Count == 0 && values.Count > 0
                ? $"; the query's instance labels ({string.Join(", ", values.Keys.Order(StringComparer.Ordinal).Take(3))}{(values.Count > 3 ? ", …" : string.Empty)}) must be node names (relabel or label_replace them)"
                : string.Empty;
            context.Warn($"Prometheus query {Quoted(query)} returned no sample for {missing.Count} node(s) ({string.Join(", ", missing.Take(5).Select(n => snapshot.Nodes.Name[n]))}{(missing.Count > 5 ? ", …" : string.Empty)}): they are left out of classification{hint}");
        }

        // MetricResource per node: int64(value × 100) of a capacity of 100, so the percentage is that integer.
        var usage = new Dictionary<int, long>(nodes.Count);
        foreach (int node in nodes)
        {
            usage[node] = (long)(values[snapshot.Nodes.Name[node]] * 100);
        }

        (decimal low, decimal high) = PrometheusThresholds(nodes, usage);
        var underutilized = new List<int>();
        var overutilized = new List<int>();
        foreach (int node in nodes)
        {
            if (usage[node] <= low && !snapshot.Nodes.IsUnschedulable(node))
            {
                underutilized.Add(node);
            }
            else if (usage[node] > high)
            {
                overutilized.Add(node);
            }
        }

        if (!WorthBalancing(context, underutilized.Count, overutilized.Count, nodes.Count))
        {
            return;
        }

        // available = capacity 100 capped at the high threshold; what the underutilized nodes can still take.
        long available = (long)(high * 0.01m * 100);
        long totalAvailable = underutilized.Sum(node => available - usage[node]);
        overutilized.Sort((a, b) =>
        {
            int c = usage[b].CompareTo(usage[a]);
            return c != 0 ? c : a.CompareTo(b);
        });

        var pods = new List<int>();
        foreach (int node in overutilized)
        {
            // The descheduler checks this once per node: a pod's share of the value is unknown, so nothing changes it.
            if (usage[node] <= available || totalAvailable <= 0)
            {
                continue;
            }

            string reason = string.Create(CultureInfo.InvariantCulture,
                $"node {snapshot.Nodes.Name[node]} overutilized: {MetricResource} {usage[node]}% > target {UtilizationModel.FormatPercent(high)} (Prometheus query {Quoted(query)}); a pod's share is unknown, so {(_settings.NodeEvictionLimit is uint limit ? $"up to evictionLimits.node {limit} pods are" : "one pod is")} evicted per overutilized node");
            if (EvictOneOrLimit(context, node, underutilized, reason, pods) == EvictResult.TotalLimitReached)
            {
                return;
            }
        }
    }

    /// <summary>
    /// The query's samples by instance, checked as the descheduler checks them; null (with a warning: the plugin does
    /// nothing) when the query was not run, failed or broke a rule.
    /// </summary>
    private static Dictionary<string, double>? NodeValues(PlanningContext context, string query)
    {
        if (!context.Usage.NodeMetrics.TryGetValue(query, out NodeMetricQueryResult? result))
        {
            context.Warn($"Prometheus query {Quoted(query)} was not run: no Prometheus is configured (metricsProviders: [{{source: Prometheus, prometheus: {{url: …}}}}] or --prometheus URL); plugin skipped");
            return null;
        }

        if (result.Error is not null)
        {
            context.Warn($"Prometheus query {Quoted(query)} failed: {result.Error}; plugin skipped");
            return null;
        }

        if (result.ResultType != "vector")
        {
            context.Warn($"Prometheus query {Quoted(query)} returned a {result.ResultType ?? "no result"}, not a vector (one sample per node); plugin skipped");
            return null;
        }

        var values = new Dictionary<string, double>(result.Samples.Count, StringComparer.Ordinal);
        foreach (NodeMetricSample sample in result.Samples)
        {
            if (string.IsNullOrEmpty(sample.Instance))
            {
                context.Warn($"Prometheus query {Quoted(query)} returned a sample without an 'instance' label (it must name the node); plugin skipped");
                return null;
            }

            if (!(sample.Value is >= 0 and <= 1))
            {
                context.Warn(string.Create(CultureInfo.InvariantCulture,
                    $"Prometheus query {Quoted(query)} returned {FormatValue(sample.Value)} for {sample.Instance}, outside [0, 1] (the query must return a utilization ratio per node); plugin skipped"));
                return null;
            }

            if (!values.TryAdd(sample.Instance, sample.Value))
            {
                context.Warn($"Prometheus query {Quoted(query)} returned more than one sample for instance {sample.Instance} (aggregate by instance, e.g. max by (instance) (…)); plugin skipped");
                return null;
            }
        }

        return values;
    }

    /// <summary>Static thresholds, or the deviation band around the mean of the nodes' values.</summary>
    private (decimal Low, decimal High) PrometheusThresholds(List<int> nodes, Dictionary<int, long> usage)
    {
        decimal threshold = _settings.Thresholds[MetricResource] ?? 0;
        decimal target = _settings.TargetThresholds[MetricResource] ?? 100;
        if (!_settings.UseDeviationThresholds)
        {
            return (threshold, target);
        }

        decimal average = nodes.Count == 0 ? 0 : nodes.Sum(n => (decimal)usage[n]) / nodes.Count;
        return (Math.Clamp(average - threshold, 0, 100), Math.Clamp(average + target, 0, 100));
    }

    /// <summary>Evicts the first pod that can go (or up to <c>evictionLimits.node</c>), as the descheduler's evictPods with an unknown pod usage.</summary>
    private EvictResult EvictOneOrLimit(PlanningContext context, int node, List<int> underutilized, string reason, List<int> pods)
    {
        Removable(context, node, pods);
        int evicted = 0;
        foreach (int pod in pods)
        {
            PodCheck check = CheckPod(context, pod, node, evicted, underutilized);
            if (check == PodCheck.StopNode)
            {
                break;
            }

            if (check == PodCheck.SkipPod)
            {
                continue;
            }

            EvictResult result = context.TryEvict(pod, reason);
            if (result == EvictResult.Evicted)
            {
                if (_settings.NodeEvictionLimit is null)
                {
                    break;
                }

                evicted++;
            }
            else if (result is EvictResult.NodeLimitReached or EvictResult.TotalLimitReached)
            {
                return result;
            }
        }

        return EvictResult.Evicted;
    }

    private static string Quoted(string query) => query.Length <= 80 ? $"'{query}'" : $"'{query[..77]}…'";

    private static string FormatValue(double value) =>
        double.IsNaN(value) ? "NaN" : double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : value.ToString("R", CultureInfo.InvariantCulture);
}
