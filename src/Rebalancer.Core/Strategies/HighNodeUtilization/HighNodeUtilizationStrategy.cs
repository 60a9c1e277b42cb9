using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Strategies.NodeUtilization;

namespace Rebalancer.Core.Strategies.HighNodeUtilization;

/// <summary>
/// Empties underutilized nodes (every threshold resource at or below its threshold) onto the other schedulable nodes,
/// for clusters whose scheduler scores MostAllocated (descheduler-semantics §1.3). Unlike the descheduler, which evicts
/// and hopes, each pod must find a target in the projection, and the target is where the configured scheduler profile
/// would put it (docs/design/0006-scheduler-model.md): with LeastAllocated that is the emptiest node, often another
/// underutilized one, and the report says the packing will not happen. With <c>cordon</c> (Rebalancer's extension),
/// each underutilized node the plan empties is cordoned before its first eviction, as Consolidation's drains are.
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

        WarnAboutScoring(context);
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

        var pods = new List<int>();
        var moves = new List<(int Pod, int Target)>();
        foreach (int node in underutilized)
        {
            context.Projection.PodsOn(node, pods);
            pods.RemoveAll(p => !_settings.EvictableNamespaces.Allows(snapshot.Strings[snapshot.Pods.Namespace[p]])
                || (_settings.OnlyThresholdingResourcesMode && !RequestsThresholdResource(snapshot, model, thresholded, p)));
            context.RemoveProtected(pods);
            PodOrdering.SortForEviction(snapshot, pods);
            string reason = $"node {snapshot.Nodes.Name[node]} underutilized ({Describe(model, node, thresholded)} <= {_settings.Thresholds}): packing its pods onto fuller nodes";
            moves.Clear();
            foreach (int pod in pods)
            {
                if (Exhausted(totalAvailable))
                {
                    context.Note("the destination nodes have no headroom left on some resource: stopping");
                    return;
                }

                EvictResult result = context.TryEvict(pod, reason);
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
                    moves.Add((pod, context.Projection.NodeOf(pod)));
                    ReadOnlySpan<long> requests = snapshot.Pods.RequestsOf(pod);
                    for (int i = 0; i < r; i++)
                    {
                        totalAvailable[i] -= model.Indices[i] < 0 ? 0 : requests[model.Indices[i]];
                    }
                }
            }

            if (_settings.Cordon && moves.Count > 0)
            {
                CordonIfEmptied(context, node, moves);
            }
        }
    }

    /// <summary>
    /// With <c>cordon</c>: a node the plan empties (nothing left on it but DaemonSet, mirror and static pods) is cordoned
    /// before its first eviction and is no target afterwards. A node with pods left (protected, blocked by a budget or a
    /// limit) is not: it would stay cordoned with capacity nobody could use.
    /// </summary>
    private void CordonIfEmptied(PlanningContext context, int node, List<(int Pod, int Target)> moves)
    {
        var left = new List<int>();
        context.Projection.PodsOn(node, left);
        int remaining = left.Count(p => !Consolidation.ConsolidationStrategy.IsNodeBound(context.Snapshot, p));
        if (remaining > 0)
        {
            context.Note($"{context.Snapshot.Nodes.Name[node]} is not cordoned: {remaining} pod(s) stay on it");
            return;
        }

        context.AddDrain(new DrainedNode(node, [.. moves], 0)
        {
            Cordon = DrainedNode.ActionFor(true, context.Snapshot, node),
            UncordonOnIncompleteDrain = _settings.UncordonOnIncompleteDrain,
        });
    }

    /// <summary>
    /// HighNodeUtilization packs only if the scheduler prefers fuller nodes. Under a spreading profile (LeastAllocated)
    /// the evicted pods go to the emptiest feasible nodes, so the report says so instead of promising a packing.
    /// </summary>
    private void WarnAboutScoring(PlanningContext context)
    {
        Scheduling.SchedulerProfile scheduler = context.Scheduler;
        if (scheduler.Packs)
        {
            return;
        }

        string scoring = scheduler.ResourceScoring is { } fit ? $"scores NodeResourcesFit {fit.Type}" : "does not score NodeResourcesFit";
        context.Warn($"the scheduler profile ({scheduler.Name}) {scoring}, so the scheduler spreads pods, while HighNodeUtilization "
            + "assumes it packs them (MostAllocated, as the descheduler's documentation says): the evicted pods are projected where "
            + "this scheduler puts them, the emptiest feasible nodes, other underutilized nodes included, and the packing will not happen"
            + (_settings.Cordon ? string.Empty : "; without cordon the emptied nodes also stay schedulable and may take pods back")
            + ". Score MostAllocated in kube-scheduler and in the policy's scheduler: section, or use Consolidation with cordon");
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
