using Rebalancer.Core.Evictor;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Scheduling;
using Rebalancer.Core.Strategies.NodeUtilization;

namespace Rebalancer.Core.Strategies.LowNodeUtilization;

/// <summary>
/// Moves pods from overutilized nodes (any threshold resource above its target) to underutilized ones (every
/// threshold resource at or below its threshold), with the descheduler's classification, capacity capping, ordering
/// and stop conditions (descheduler-semantics §1.2). Usage is the projected requests — so it sees the moves planned by
/// earlier plugins — real usage from metrics, or one value per node from a Prometheus query
/// (LowNodeUtilizationStrategy.Prometheus.cs).
/// </summary>
public sealed partial class LowNodeUtilizationStrategy : IStrategy
{
    public const string PluginName = "LowNodeUtilization";

    private readonly LowNodeUtilizationSettings _settings;

    public LowNodeUtilizationStrategy(LowNodeUtilizationSettings settings) => _settings = settings;

    public string Name => PluginName;

    public void Run(PlanningContext context)
    {
        if (_settings.MetricsSource == MetricsUtilizationSource.Prometheus)
        {
            RunOnPrometheus(context);
            return;
        }

        ClusterSnapshot snapshot = context.Snapshot;
        var model = new UtilizationModel(snapshot, _settings.Thresholds.Resources);
        List<int> nodes = [.. context.Nodes];
        if (_settings.MetricsSource == MetricsUtilizationSource.KubernetesMetrics)
        {
            List<int> missing = model.LoadMetrics(context, nodes);
            if (missing.Count > 0)
            {
                // Classifying a node without metrics would be a guess; leave it out and say so.
                context.Warn($"no NodeMetrics for {missing.Count} node(s) ({string.Join(", ", missing.Take(5).Select(n => snapshot.Nodes.Name[n]))}{(missing.Count > 5 ? ", …" : "")}): they are left out of classification");
                var skip = missing.ToHashSet();
                nodes.RemoveAll(skip.Contains);
            }
        }
        else
        {
            model.LoadRequested(context.Projection);
        }

        int r = model.Names.Count;
        decimal[] low = new decimal[r];
        decimal[] high = new decimal[r];
        bool[] thresholded = new bool[r];
        ComputeThresholds(model, nodes, low, high, thresholded);

        var underutilized = new List<int>();
        var overutilized = new List<int>();
        foreach (int node in nodes)
        {
            if (IsUnder(model, node, low, thresholded) && !snapshot.Nodes.IsUnschedulable(node))
            {
                underutilized.Add(node);
            }
            else if (IsOver(model, node, high, thresholded))
            {
                overutilized.Add(node);
            }
        }

        if (!WorthBalancing(context, underutilized.Count, overutilized.Count, nodes.Count))
        {
            return;
        }

        // available = allocatable capped at the high threshold; totalAvailable = headroom left on the underutilized nodes.
        long[] totalAvailable = new long[r];
        foreach (int node in underutilized)
        {
            for (int i = 0; i < r; i++)
            {
                totalAvailable[i] += Available(model, node, i, high, thresholded) - model.Usage[node, i];
            }
        }

        overutilized.Sort((a, b) =>
        {
            int c = model.RawUsageSum(b).CompareTo(model.RawUsageSum(a));
            return c != 0 ? c : a.CompareTo(b);
        });

        var pods = new List<int>();
        foreach (int node in overutilized)
        {
            if (EvictFrom(context, model, node, underutilized, high, thresholded, totalAvailable, pods) == EvictResult.TotalLimitReached)
            {
                return;
            }
        }
    }

    /// <summary>The descheduler's early exits, in its order, each recorded as a note; true when there is work to do.</summary>
    private bool WorthBalancing(PlanningContext context, int underutilized, int overutilized, int nodes)
    {
        if (underutilized == 0)
        {
            context.Note($"no node is underutilized (all of {_settings.Thresholds} or below): nothing to do");
            return false;
        }

        if (underutilized <= _settings.NumberOfNodes)
        {
            context.Note($"{underutilized} underutilized node(s) <= numberOfNodes {_settings.NumberOfNodes}: nothing to do");
            return false;
        }

        if (underutilized == nodes)
        {
            context.Note("all nodes are underutilized: nothing to do");
            return false;
        }

        if (overutilized == 0)
        {
            context.Note($"no node is overutilized (any of {_settings.TargetThresholds} exceeded): nothing to do");
            return false;
        }

        return true;
    }

    /// <summary>The pods of a source node the plugin may try, in the descheduler's eviction order.</summary>
    private void Removable(PlanningContext context, int node, List<int> pods)
    {
        ClusterSnapshot snapshot = context.Snapshot;
        context.Projection.PodsOn(node, pods);
        pods.RemoveAll(p => !_settings.EvictableNamespaces.Allows(snapshot.Strings[snapshot.Pods.Namespace[p]]));
        context.RemoveProtected(pods);
        PodOrdering.SortForEviction(snapshot, pods);
    }

    /// <summary>
    /// The per-pod checks before an eviction, in the descheduler's order: the plugin's per-node limit (stops the node),
    /// then tolerating some underutilized node's taints (skips the pod). Both are recorded as skips.
    /// </summary>
    private PodCheck CheckPod(PlanningContext context, int pod, int node, int evicted, List<int> underutilized)
    {
        ClusterSnapshot snapshot = context.Snapshot;
        if (_settings.NodeEvictionLimit is uint limit && evicted >= limit)
        {
            context.Skip(pod, SkipReasons.LimitPluginPerNode, $"evictionLimits.node {limit} reached on {snapshot.Nodes.Name[node]}");
            return PodCheck.StopNode;
        }

        if (!ToleratesSomeUnderutilizedNode(snapshot, pod, underutilized))
        {
            context.Skip(pod, SkipReasons.NodeFit, TaintText.NoTolerableNode(snapshot, pod, underutilized, "underutilized", preferNoSchedule: true),
                new FitVerdict(underutilized[0], FitFailure.Taint));
            return PodCheck.SkipPod;
        }

        return PodCheck.Try;
    }

    private enum PodCheck
    {
        Try,
        SkipPod,
        StopNode,
    }

    private EvictResult EvictFrom(PlanningContext context, UtilizationModel model, int node, List<int> underutilized,
        decimal[] high, bool[] thresholded, long[] totalAvailable, List<int> pods)
    {
        ClusterSnapshot snapshot = context.Snapshot;
        Removable(context, node, pods);
        int evicted = 0;
        foreach (int pod in pods)
        {
            if (!ContinueEviction(model, node, high, thresholded, totalAvailable))
            {
                break;
            }

            PodCheck check = CheckPod(context, pod, node, evicted, underutilized);
            if (check == PodCheck.StopNode)
            {
                break;
            }

            if (check == PodCheck.SkipPod)
            {
                continue;
            }

            (long[] podUsage, bool hasUsage) = PodUsage(model, snapshot, pod);
            if (!hasUsage)
            {
                context.Skip(pod, SkipReasons.MetricsMissing, "no PodMetrics for the pod: its usage is unknown");
                continue;
            }

            EvictResult result = context.TryEvict(pod, Reason(snapshot, model, node, high, thresholded));
            if (result == EvictResult.Evicted)
            {
                evicted++;
                for (int i = 0; i < model.Names.Count; i++)
                {
                    model.Usage[node, i] -= podUsage[i];
                    totalAvailable[i] -= podUsage[i];
                }
            }
            else if (result is EvictResult.NodeLimitReached or EvictResult.TotalLimitReached)
            {
                return result;
            }
        }

        return EvictResult.Evicted;
    }

    private (long[] Usage, bool Known) PodUsage(UtilizationModel model, ClusterSnapshot snapshot, int pod)
    {
        long[] usage = new long[model.Names.Count];
        usage[2] = 1;
        if (_settings.MetricsSource == MetricsUtilizationSource.KubernetesMetrics)
        {
            if (!snapshot.Pods.HasUsage[pod])
            {
                return (usage, false);
            }

            (usage[0], usage[1]) = model.PodUsage(pod);
            return (usage, true);
        }

        ReadOnlySpan<long> requests = snapshot.Pods.RequestsOf(pod);
        for (int i = 0; i < usage.Length; i++)
        {
            usage[i] = model.Indices[i] < 0 ? 0 : requests[model.Indices[i]];
        }

        return (usage, true);
    }

    private void ComputeThresholds(UtilizationModel model, List<int> nodes, decimal[] low, decimal[] high, bool[] thresholded)
    {
        for (int i = 0; i < model.Names.Count; i++)
        {
            string resource = model.Names[i];
            if (_settings.Thresholds[resource] is not decimal threshold || _settings.TargetThresholds[resource] is not decimal target)
            {
                continue;
            }

            thresholded[i] = true;
            if (!_settings.UseDeviationThresholds)
            {
                (low[i], high[i]) = (threshold, target);
                continue;
            }

            // Deviation mode: the same band around the mean for every node, unschedulable nodes included in the mean.
            decimal sum = 0;
            foreach (int node in nodes)
            {
                sum += model.Percent(node, i);
            }

            decimal average = nodes.Count == 0 ? 0 : sum / nodes.Count;
            low[i] = Math.Clamp(average - threshold, 0, 100);
            high[i] = Math.Clamp(average + target, 0, 100);
        }
    }

    private static bool IsUnder(UtilizationModel model, int node, decimal[] low, bool[] thresholded)
    {
        for (int i = 0; i < thresholded.Length; i++)
        {
            if (thresholded[i] && model.Percent(node, i) > low[i])
            {
                return false; // inclusive: usage <= threshold counts as underutilized
            }
        }

        return true;
    }

    private static bool IsOver(UtilizationModel model, int node, decimal[] high, bool[] thresholded)
    {
        for (int i = 0; i < thresholded.Length; i++)
        {
            if (thresholded[i] && model.Percent(node, i) > high[i])
            {
                return true; // strict: usage > target
            }
        }

        return false;
    }

    /// <summary>Allocatable capped at the node's high threshold (int64(pct × 0.01 × alloc)); uncapped without a threshold.</summary>
    private static long Available(UtilizationModel model, int node, int resource, decimal[] high, bool[] thresholded) =>
        thresholded[resource] ? (long)(high[resource] * 0.01m * model.Capacity[node, resource]) : model.Capacity[node, resource];

    /// <summary>Go on while the source is above target on some resource and every resource has headroom left on the low nodes.</summary>
    private static bool ContinueEviction(UtilizationModel model, int node, decimal[] high, bool[] thresholded, long[] totalAvailable)
    {
        bool above = false;
        for (int i = 0; i < model.Names.Count; i++)
        {
            if (model.Usage[node, i] > Available(model, node, i, high, thresholded))
            {
                above = true;
            }

            if (totalAvailable[i] <= 0)
            {
                return false;
            }
        }

        return above;
    }

    private static bool ToleratesSomeUnderutilizedNode(ClusterSnapshot snapshot, int pod, List<int> underutilized)
    {
        Toleration[] tolerations = snapshot.ConstraintsOf(pod).Tolerations;
        foreach (int node in underutilized)
        {
            if (Predicates.ToleratesTaints(snapshot.Nodes.TaintsOf(node), tolerations, noSchedule: true, noExecute: true, preferNoSchedule: true, out _))
            {
                return true;
            }
        }

        return false;
    }

    private static string Reason(ClusterSnapshot snapshot, UtilizationModel model, int node, decimal[] high, bool[] thresholded)
    {
        var over = new List<string>();
        for (int i = 0; i < thresholded.Length; i++)
        {
            decimal percent = model.Percent(node, i);
            if (thresholded[i] && percent > high[i])
            {
                over.Add($"{model.Names[i]} {UtilizationModel.FormatPercent(percent)} > target {UtilizationModel.FormatPercent(high[i])}");
            }
        }

        return $"node {snapshot.Nodes.Name[node]} overutilized: {string.Join(", ", over)}";
    }
}
