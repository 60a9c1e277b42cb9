using Rebalancer.Core.Evictor;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;

namespace Rebalancer.Core.Strategies.Consolidation;

/// <summary>One Consolidation run's search state: candidates, the free-capacity index, the step budget.</summary>
internal sealed class Search
{
    private readonly PlanningContext _context;
    private readonly ConsolidationSettings _settings;
    private readonly ClusterSnapshot _snapshot;
    private readonly List<int> _pool;
    private readonly FreeCapacityIndex _index;
    private readonly HashSet<int> _drained = [];
    private readonly Dictionary<string, int> _undrainable = new(StringComparer.Ordinal);
    private readonly List<int> _scratch = [];

    // The search's skips, recorded once the re-check has planned the evictions (its rollback would drop them).
    private readonly List<SkippedPod> _skips = [];

    public Search(PlanningContext context, ConsolidationSettings settings, List<int> pool)
    {
        _context = context;
        _settings = settings;
        _snapshot = context.Snapshot;
        _pool = pool;
        long[] allocatableCpu = new long[_snapshot.Nodes.Count];
        for (int n = 0; n < allocatableCpu.Length; n++)
        {
            allocatableCpu[n] = _snapshot.Nodes.AllocatableOf(n)[ResourceCatalog.Cpu];
        }

        _index = new FreeCapacityIndex(context.Projection, allocatableCpu, context.TargetCandidates.Where(n => !_snapshot.Nodes.IsUnschedulable(n)));

        // Guard N-1 only when the cluster had that headroom to begin with (otherwise no drain could keep it).
        _guardNodeLoss = settings.KeepNodeLossHeadroom
            && Headroom.Evaluate(_snapshot, context.Nodes, context.Projection.PodsOn, context.Projection.Requested, NodeLossOnly).NodeLossSurvivable;
    }

    private readonly bool _guardNodeLoss;

    // The guard checks the loss of the largest node only; the zone verdict is the report's, computed once per plan.
    private HeadroomOptions NodeLossOnly => new(IncludeZone: false, StaticFit: _context.StaticFit);

    public long Steps { get; private set; }

    public bool Exhausted => Steps >= _settings.MaxSearchSteps;

    /// <summary>Pool nodes that could be emptied, cheapest to disrupt first: empty nodes, then least utilized, fewest pods, most valuable.</summary>
    public List<int> Candidates(decimal[] weight)
    {
        var candidates = new List<(int Node, int Pods, decimal Utilization)>();
        foreach (int node in _pool)
        {
            decimal utilization = Utilization(node);
            if (utilization > _settings.MinUtilizationToKeep)
            {
                Count($"utilization above minUtilizationToKeep {_settings.MinUtilizationToKeep}%");
                continue;
            }

            Protection? blocker = null;
            int blockingPod = -1;
            MovablePods(node, _scratch);
            foreach (int pod in _scratch)
            {
                blocker = _context.Filter(pod) ?? _context.Evictor.PreEvictionFilter(pod) ?? _context.Ledger.Check(pod, out _);
                if (blocker is not null)
                {
                    blockingPod = pod;
                    break;
                }
            }

            if (blocker is not null)
            {
                Count($"a pod that cannot be evicted ({blocker.Value.Reason})");
                _skips.Add(new SkippedPod(blockingPod, _context.Profile, _context.Plugin, blocker.Value.Reason, $"{_snapshot.Nodes.Name[node]} is not drained: {blocker.Value.Detail}"));
                continue;
            }

            candidates.Add((node, _scratch.Count, utilization));
        }

        candidates.Sort((a, b) =>
        {
            int c = (a.Pods > 0).CompareTo(b.Pods > 0);
            if (c == 0)
            {
                c = a.Utilization.CompareTo(b.Utilization);
            }

            if (c == 0)
            {
                c = a.Pods.CompareTo(b.Pods);
            }

            if (c == 0)
            {
                c = weight[b.Node].CompareTo(weight[a.Node]);
            }

            return c != 0 ? c : a.Node.CompareTo(b.Node);
        });
        return candidates.Select(c => c.Node).ToList();
    }

    /// <summary>
    /// The search: plans the eviction of every movable pod of <paramref name="node"/>, all or nothing, each pod (largest
    /// first) to the fullest target with room (best fit). This answers "can these pods go anywhere?" and chooses the
    /// drains; <see cref="Recheck"/> then replaces the packing with the scheduler's own placement.
    /// </summary>
    public DrainedNode? TryDrain(int node, decimal[] weight)
    {
        PlanMark mark = _context.Mark();
        MovablePods(node, _scratch);
        PodTable pods = _snapshot.Pods;
        int[] order = [.. _scratch];
        Array.Sort(order, (a, b) =>
        {
            int c = pods.RequestsOf(b)[ResourceCatalog.Cpu].CompareTo(pods.RequestsOf(a)[ResourceCatalog.Cpu]);
            if (c == 0)
            {
                c = pods.RequestsOf(b)[ResourceCatalog.Memory].CompareTo(pods.RequestsOf(a)[ResourceCatalog.Memory]);
            }

            return c != 0 ? c : a.CompareTo(b);
        });

        _index.Remove(node);
        var moves = new List<(int Pod, int Target)>(order.Length);
        SkippedPod? blocked = BestFitPacking(node, order, Reason(node, order.Length), moves);
        if (blocked is null && moves.Count == order.Length)
        {
            if (KeepsNodeLossHeadroom(node))
            {
                _drained.Add(node);
                _context.Targets.MarkDraining(node); // later plugins (SpotRatio, …) must not move pods onto it
                return new DrainedNode(node, moves, weight[node]);
            }

            Count("emptying it would leave too little room to survive the loss of the largest node (keepNodeLossHeadroom)");
        }
        else if (blocked is not null)
        {
            Count(blocked.Reason == SkipReasons.NodeFit ? "a pod that fits no other node" : $"a pod that cannot be evicted ({blocked.Reason})");
        }

        _context.RollbackTo(mark);
        foreach ((_, int target) in moves)
        {
            _index.Refresh(target);
        }

        _index.Refresh(node);
        if (blocked is not null)
        {
            _skips.Add(blocked);
        }

        return null;
    }

    /// <summary>
    /// The re-check (docs/design/0006-scheduler-model.md): undoes the search's best-fit packing (everything planned
    /// since <paramref name="start"/>) and places the drained nodes' pods again, drain by drain and pod by pod in
    /// eviction order, where the configured scheduler would put them, with every drained node cordoned (the executor
    /// cordons them all before the run's first eviction). A drain whose pods the scheduler would not all place, or whose
    /// placement breaks the N-1 guard, is dropped: its node is not cordoned and takes pods again, and a skip says which
    /// pod stopped it. The kept drains are recorded with the scheduler's targets.
    /// </summary>
    public List<DrainedNode> Recheck(PlanMark start, List<DrainedNode> drained, Func<int, CordonAction> cordonFor)
    {
        _context.RollbackTo(start);
        var kept = new List<DrainedNode>(drained.Count);
        foreach (DrainedNode drain in drained)
        {
            PlanMark mark = _context.Mark();
            var moves = new List<(int Pod, int Target)>(drain.Moves.Count);
            SkippedPod? blocked = null;
            string reason = Reason(drain.Node, drain.Moves.Count);
            foreach ((int pod, _) in drain.Moves)
            {
                if (_context.TryEvict(pod, reason) != EvictResult.Evicted)
                {
                    SkippedPod last = _context.Skipped[^1];
                    blocked = last with
                    {
                        Detail = $"{_snapshot.Nodes.Name[drain.Node]} is not drained: a best-fit packing exists, but the scheduler "
                            + $"({_context.Scheduler.Name}) would not place every pod: {last.Detail}",
                    };
                    break;
                }

                moves.Add((pod, _context.Projection.NodeOf(pod)));
            }

            if (blocked is null && KeepsNodeLossHeadroom(drain.Node))
            {
                _context.AddDrain(drain with { Moves = moves, Cordon = cordonFor(drain.Node), UncordonOnIncompleteDrain = _settings.UncordonOnIncompleteDrain });
                kept.Add(_context.Drains[^1]);
                continue;
            }

            _context.RollbackTo(mark);
            _drained.Remove(drain.Node);
            _context.Targets.UnmarkDraining(drain.Node);
            if (blocked is not null)
            {
                Count("the scheduler's placement would not fit every pod (a best-fit packing exists)");
                _skips.Add(blocked);
            }
            else
            {
                Count("with the scheduler's placement, emptying it would leave too little room to survive the loss of the largest node (keepNodeLossHeadroom)");
            }
        }

        // The search's skips, after the evictions: a pod the search skipped on one pass and a later drain moved has no
        // skip left to contradict its eviction.
        foreach (SkippedPod skip in _skips)
        {
            if (!_context.IsEvicted(skip.Pod))
            {
                _context.Skip(skip.Pod, skip.Reason, skip.Detail, skip.Fit);
            }
        }

        _skips.Clear();
        return kept;
    }

    private string Reason(int node, int pods) =>
        $"consolidation: emptying {_snapshot.Nodes.Name[node]} ({FormatUtilization(node)}, {pods} pod(s) to move) so the node can be removed";

    /// <summary>Best fit: each pod to the fullest target with room; the skip that stopped it, or null.</summary>
    private SkippedPod? BestFitPacking(int node, int[] order, string reason, List<(int Pod, int Target)> moves)
    {
        foreach (int pod in order)
        {
            int target = BestFit(pod);
            if (target < 0)
            {
                if (Exhausted)
                {
                    return null;
                }

                int found = _context.Targets.FindTarget(pod, _context.TargetCandidates, out string failure, n => n != node && !_drained.Contains(n));
                FitVerdict? best = found < 0 && _context.Targets.LastFailure.Node >= 0 ? _context.Targets.LastFailure : null;
                return new SkippedPod(pod, _context.Profile, _context.Plugin, SkipReasons.NodeFit,
                    $"{_snapshot.Nodes.Name[node]} cannot be emptied: this pod fits no other node ({failure})") { Fit = best };
            }

            if (_context.TryEvictTo(pod, target, reason) != EvictResult.Evicted)
            {
                SkippedPod last = _context.Skipped[^1];
                return last with { Detail = $"{_snapshot.Nodes.Name[node]} cannot be emptied: {last.Detail}" };
            }

            _index.Refresh(target);
            moves.Add((pod, target));
        }

        return null;
    }

    /// <summary>When the cluster survived losing its largest node before the plan, it must still after this drain.</summary>
    private bool KeepsNodeLossHeadroom(int node)
    {
        if (!_guardNodeLoss)
        {
            return true;
        }

        List<int> remaining = _context.Nodes.Where(n => n != node && !_drained.Contains(n)).ToList();
        return Headroom.Evaluate(_snapshot, remaining, _context.Projection.PodsOn, _context.Projection.Requested, NodeLossOnly).NodeLossSurvivable;
    }

    /// <summary>Explains, once, why the other pool nodes were not emptied.</summary>
    public void ReportUndrainable()
    {
        foreach ((string why, int count) in _undrainable.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal))
        {
            _context.Note($"{count} node(s) not drained: {why}");
        }
    }

    /// <summary>The fullest target with room (best fit), checked with every nodeFit predicate; -1 when none or the budget is spent.</summary>
    private int BestFit(int pod)
    {
        long cpu = _snapshot.Pods.RequestsOf(pod)[ResourceCatalog.Cpu];
        foreach (int candidate in _index.WithAtLeast(cpu))
        {
            if (++Steps > _settings.MaxSearchSteps)
            {
                return -1;
            }

            if (_context.Targets.Check(pod, candidate) == FitFailure.None)
            {
                return candidate;
            }
        }

        return -1;
    }

    private void MovablePods(int node, List<int> result)
    {
        _context.Projection.PodsOn(node, result);
        result.RemoveAll(p => ConsolidationStrategy.IsNodeBound(_snapshot, p) || _snapshot.Pods.Has(p, PodFlags.Terminating));
    }

    private decimal Utilization(int node)
    {
        ReadOnlySpan<long> allocatable = _snapshot.Nodes.AllocatableOf(node);
        ReadOnlySpan<long> requested = _context.Projection.RequestedOn(node);
        decimal max = 0;
        foreach (int r in new[] { ResourceCatalog.Cpu, ResourceCatalog.Memory })
        {
            if (allocatable[r] > 0)
            {
                max = Math.Max(max, requested[r] * 100m / allocatable[r]);
            }
        }

        return max;
    }

    private string FormatUtilization(int node)
    {
        long[] allocatable = _snapshot.Nodes.AllocatableOf(node).ToArray();
        long[] requested = _context.Projection.RequestedOn(node).ToArray();
        string Percent(int r) => allocatable[r] <= 0 ? "n/a" : (requested[r] * 100m / allocatable[r]).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + "%";
        return $"cpu {Percent(ResourceCatalog.Cpu)}, memory {Percent(ResourceCatalog.Memory)} requested";
    }

    private void Count(string why) => _undrainable[why] = _undrainable.GetValueOrDefault(why) + 1;
}
