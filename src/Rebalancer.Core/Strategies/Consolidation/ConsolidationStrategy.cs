using System.Globalization;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;

namespace Rebalancer.Core.Strategies.Consolidation;

/// <summary>
/// Chooses nodes to empty so that every evictable pod on them re-fits on the remaining nodes in the projection, and
/// plans their evictions (docs/design/0003-consolidation.md). Greedy: candidates in order of disruption cost, each
/// drained all-or-nothing with best-fit-decreasing re-placement through a free-capacity index; then improvement passes
/// retry the candidates that failed, while the deterministic search budget lasts.
/// </summary>
public sealed class ConsolidationStrategy : IStrategy
{
    public const string PluginName = "Consolidation";

    private readonly ConsolidationSettings _settings;

    public ConsolidationStrategy(ConsolidationSettings settings) => _settings = settings;

    public string Name => PluginName;

    public void Run(PlanningContext context)
    {
        ClusterSnapshot snapshot = context.Snapshot;
        WarnAboutScheduling(context);
        LabelSelector? poolSelector = _settings.NodeSelector?.Compile(snapshot.Strings);
        List<int> pool = context.Nodes.Where(n => poolSelector is null || poolSelector.Matches(snapshot.Nodes.Labels[n])).ToList();
        var podsInPool = new List<int>();
        var scratch = new List<int>();
        foreach (int node in pool)
        {
            context.Projection.PodsOn(node, scratch);
            podsInPool.AddRange(scratch.Where(p => !IsNodeBound(snapshot, p)));
        }

        int maxNodes = Math.Max(1, _settings.MaxNodesPerRun.IsPercent
            ? _settings.MaxNodesPerRun.Scale(pool.Count)
            : _settings.MaxNodesPerRun.Value);
        decimal[] weight = Weights(snapshot, pool);
        PlanMark start = context.Mark();
        var search = new Search(context, _settings, pool);
        List<int> candidates = search.Candidates(weight);
        var drained = new List<DrainedNode>();
        var failed = new List<int>(candidates);
        bool progress = true;

        // Greedy pass, then improvement passes over the candidates that failed: each drain changes the projection,
        // so a node that could not be emptied before may be emptiable now.
        while (progress && failed.Count > 0 && drained.Count < maxNodes && !search.Exhausted)
        {
            progress = false;
            var stillFailed = new List<int>();
            foreach (int node in failed)
            {
                if (drained.Count >= maxNodes || search.Exhausted)
                {
                    stillFailed.Add(node);
                    continue;
                }

                if (search.TryDrain(node, weight) is DrainedNode result)
                {
                    drained.Add(result);
                    progress = true;
                }
                else
                {
                    stillFailed.Add(node);
                }
            }

            failed = stillFailed;
        }

        if (search.Exhausted)
        {
            context.Note($"search budget of {_settings.MaxSearchSteps:N0} fit evaluations used up: the plan is the best found so far");
        }

        if (drained.Count >= maxNodes && failed.Count > 0)
        {
            context.Note($"maxNodesPerRun {maxNodes} reached; {failed.Count} more candidate node(s) were not tried");
        }

        drained = search.Recheck(start, drained, node => DrainedNode.ActionFor(_settings.Cordon, snapshot, node));
        search.ReportUndrainable();
        context.Consolidation = new ConsolidationSummary(
            drained,
            pool.Count,
            pool.Count - drained.Count,
            PackingBounds.LowerBound(snapshot, pool, podsInPool),
            PackingBounds.FirstFitDecreasing(snapshot, pool, podsInPool),
            candidates.Count,
            search.Steps,
            search.Exhausted)
        {
            UncordonOnIncompleteDrain = _settings.UncordonOnIncompleteDrain,
        };
    }

    /// <summary>
    /// What the report must say about the scheduler: without cordon, the drained nodes stay schedulable and are the
    /// emptiest in their pool, so the pods may come straight back; under a spreading profile (LeastAllocated), drains
    /// hold only because the nodes are cordoned, and the moved pods land on the emptiest remaining nodes.
    /// </summary>
    private void WarnAboutScheduling(PlanningContext context)
    {
        Scheduling.SchedulerProfile scheduler = context.Scheduler;
        if (!_settings.Cordon)
        {
            context.Warn("cordon is off: the drained nodes stay schedulable while their pods are evicted, and the scheduler "
                + $"({scheduler.Name}) may put the replacement pods straight back on them: a node being emptied is the "
                + "emptiest in its pool. The plan assumes they do not; turn cordon on (the default) so the drains hold");
        }
        else if (!scheduler.Packs)
        {
            context.Note($"the scheduler profile ({scheduler.Name}) spreads pods (NodeResourcesFit "
                + $"{scheduler.ResourceScoring?.Type.ToString() ?? "not scored"}): each drain was re-checked with its placement, which puts the moved "
                + "pods on the emptiest feasible nodes; drains hold because the nodes are cordoned, and new pods will keep spreading");
        }
    }

    /// <summary>DaemonSet, mirror and static pods belong to their node: they vanish with it and need no new home.</summary>
    internal static bool IsNodeBound(ClusterSnapshot snapshot, int pod) =>
        snapshot.Pods.Has(pod, PodFlags.DaemonSetOwned) || snapshot.Pods.Has(pod, PodFlags.Mirror) || snapshot.Pods.Has(pod, PodFlags.Static);

    /// <summary>Each node's value when freed: its price when configured, else its cpu and memory relative to the pool's largest.</summary>
    private decimal[] Weights(ClusterSnapshot snapshot, List<int> pool)
    {
        decimal[] weight = new decimal[snapshot.Nodes.Count];
        long maxCpu = Math.Max(1, pool.Count == 0 ? 1 : pool.Max(n => snapshot.Nodes.AllocatableOf(n)[ResourceCatalog.Cpu]));
        long maxMemory = Math.Max(1, pool.Count == 0 ? 1 : pool.Max(n => snapshot.Nodes.AllocatableOf(n)[ResourceCatalog.Memory]));
        string? key = _settings.PriceLabel ?? _settings.PriceAnnotation;
        int keyId = key is null ? -1 : snapshot.Strings.Find(key);
        foreach (int node in pool)
        {
            ReadOnlySpan<long> allocatable = snapshot.Nodes.AllocatableOf(node);
            weight[node] = ((decimal)allocatable[ResourceCatalog.Cpu] / maxCpu) + ((decimal)allocatable[ResourceCatalog.Memory] / maxMemory);
            if (keyId >= 0)
            {
                LabelView source = _settings.PriceLabel is not null ? snapshot.Nodes.Labels[node] : snapshot.Nodes.Annotations[node];
                if (source.TryGet(keyId, out int value)
                    && decimal.TryParse(snapshot.Strings[value], NumberStyles.Float, CultureInfo.InvariantCulture, out decimal price) && price >= 0)
                {
                    weight[node] = price;
                }
            }
        }

        return weight;
    }
}
