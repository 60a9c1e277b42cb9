using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Strategies.NodeUtilization;

namespace Rebalancer.Core.Strategies.HighNodeUtilization;

/// <summary>
/// Empties underutilized nodes (every threshold resource at or below its threshold) onto the other schedulable nodes,
/// for clusters whose scheduler scores MostAllocated (descheduler-semantics §1.3). Unlike the descheduler, which evicts
/// and hopes, each pod must find a target in the projection; targets are chosen MostAllocated and never another
/// underutilized node, so the plan packs rather than shuffles (docs/compatibility.md).
/// </summary>
public sealed class HighNodeUtilizationStrategy : IStrategy
{
    public const string PluginName = "HighNodeUtilization";

    private readonly HighNodeUtilizationSettings _settings;

    public HighNodeUtilizationStrategy(HighNodeUtilizationSettings settings) => _settings = settings;

    public string Name => PluginName;

    public void Run(PlanningContext context)
    {
        ClusterSnapshot snapshot = context.Snapshot;
        var model = new UtilizationModel(snapshot, _settings.Thresholds.Resources);
        model.LoadRequested(context.Projection);
        int r = model.Names.Count;
        bool[] thresholded = new bool[r];
        decimal[] low = new decimal[r];
        for (int i = 0; i < r; i++)
        {
            if (_settings.Thresholds[model.Names[i]] is decimal threshold)
            {
                thresholded[i] = true;
                low[i] = threshold;
            }
        }

        var underutilized = new List<int>();
        var destinations = new List<int>();
        foreach (int node in context.Nodes)
        {
            bool under = true;
            for (int i = 0; i < r; i++)
            {
                if (thresholded[i] && model.Percent(node, i) > low[i])
                {
                    under = false;
                }
            }

            if (under)
            {
                underutilized.Add(node); // cordoned nodes may be underutilized: they are emptied too
            }
            else if (!snapshot.Nodes.IsUnschedulable(node))
            {
                destinations.Add(node);
            }
        }

        if (underutilized.Count == 0)
        {
            context.Note($"no node is underutilized (all of {_settings.Thresholds} or below): nothing to do");
            return;
        }

        if (underutilized.Count <= _settings.NumberOfNodes)
        {
            context.Note($"{underutilized.Count} underutilized node(s) <= numberOfNodes {_settings.NumberOfNodes}: nothing to do");
            return;
        }

        if (underutilized.Count == context.Nodes.Count)
        {
            context.Note("all nodes are underutilized: nothing to do (descheduler issue #725)");
            return;
        }

        if (destinations.Count == 0)
        {
            context.Note("no schedulable node above the thresholds to move pods to: nothing to do");
            return;
        }

        // Headroom on the destinations: allocatable (100% for threshold resources) minus usage.
        long[] totalAvailable = new long[r];
        foreach (int node in destinations)
        {
            for (int i = 0; i < r; i++)
            {
                totalAvailable[i] += model.Capacity[node, i] - model.Usage[node, i];
            }
        }

        underutilized.Sort((a, b) =>
        {
            int c = model.RawUsageSum(a).CompareTo(model.RawUsageSum(b));
            return c != 0 ? c : a.CompareTo(b);
        });

        var lowSet = underutilized.ToHashSet();
        var pods = new List<int>();
        foreach (int node in underutilized)
        {
            context.Projection.PodsOn(node, pods);
            pods.RemoveAll(p => context.Filter(p) is not null
                || !_settings.EvictableNamespaces.Allows(snapshot.Strings[snapshot.Pods.Namespace[p]])
                || (_settings.OnlyThresholdingResourcesMode && !RequestsThresholdResource(snapshot, model, thresholded, p)));
            PodOrdering.SortForEviction(snapshot, pods);
            string reason = $"node {snapshot.Nodes.Name[node]} underutilized ({Describe(model, node, thresholded)} <= {_settings.Thresholds}): packing its pods onto fuller nodes";
            foreach (int pod in pods)
            {
                if (Exhausted(totalAvailable))
                {
                    context.Note("the destination nodes have no headroom left on some resource: stopping");
                    return;
                }

                EvictResult result = context.TryEvict(pod, reason, TargetScoring.MostAllocated, target => !lowSet.Contains(target));
                if (result == EvictResult.TotalLimitReached)
                {
                    return;
                }

                if (result == EvictResult.NodeLimitReached)
                {
                    break;
                }

                if (result == EvictResult.Evicted)
                {
                    ReadOnlySpan<long> requests = snapshot.Pods.RequestsOf(pod);
                    for (int i = 0; i < r; i++)
                    {
                        totalAvailable[i] -= model.Indices[i] < 0 ? 0 : requests[model.Indices[i]];
                    }
                }
            }
        }
    }

    private static bool Exhausted(long[] totalAvailable)
    {
        foreach (long available in totalAvailable)
        {
            if (available <= 0)
            {
                return true;
            }
        }

        return false;
    }

    private static bool RequestsThresholdResource(ClusterSnapshot snapshot, UtilizationModel model, bool[] thresholded, int pod)
    {
        ReadOnlySpan<long> requests = snapshot.Pods.RequestsOf(pod);
        for (int i = 0; i < thresholded.Length; i++)
        {
            // The pods column is 1 for every pod; a "request" of pods does not count here.
            if (thresholded[i] && model.Indices[i] >= 0 && model.Indices[i] != ResourceCatalog.Pods && requests[model.Indices[i]] > 0)
            {
                return true;
            }
        }

        return false;
    }

    private static string Describe(UtilizationModel model, int node, bool[] thresholded) =>
        string.Join(", ", Enumerable.Range(0, thresholded.Length).Where(i => thresholded[i])
            .Select(i => $"{model.Names[i]} {UtilizationModel.FormatPercent(model.Percent(node, i))}"));
}
