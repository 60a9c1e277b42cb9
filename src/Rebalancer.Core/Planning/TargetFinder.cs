using System.Text;
using Rebalancer.Core.Model;
using Rebalancer.Core.Scheduling;

namespace Rebalancer.Core.Planning;

/// <summary>How the projection picks a target among the feasible nodes, modelling the scheduler's scoring.</summary>
public enum TargetScoring
{
    /// <summary>The default scheduler's NodeResourcesFit LeastAllocated: the node with the most free cpu and memory.</summary>
    LeastAllocated,

    /// <summary>MostAllocated, which HighNodeUtilization assumes the scheduler is configured with: the fullest feasible node.</summary>
    MostAllocated,
}

/// <summary>The nodeFit predicate a node failed, in the order they are checked (descheduler-semantics §2.5).</summary>
public enum FitFailure : byte
{
    None,
    SameNode,
    Unschedulable,

    /// <summary>The node is being emptied by this plan (Consolidation): it is going away, so nothing may move onto it.</summary>
    Draining,
    NodeSelector,
    Taint,
    PodAntiAffinity,
    ExistingPodAntiAffinity,
    Resources,
}

/// <summary>
/// Finds where a pod would be scheduled in the projection: nodeFit's predicates (unschedulable, nodeSelector and
/// required node affinity, NoSchedule/NoExecute taints, required pod anti-affinity in both directions, requests of
/// every resource and the pod count) against the projected usage, then a score. The static predicates are cached per
/// scheduling-constraint set, so pods of one workload pay for them once.
/// </summary>
public sealed class TargetFinder
{
    private readonly ClusterSnapshot _snapshot;
    private readonly Projection _projection;
    private readonly StaticFitIndex _staticFit;
    private readonly bool[] _draining;
    // Pods with required anti-affinity, grouped by (constraint set, namespace): a group's terms select the same pods,
    // so "does any existing pod's anti-affinity forbid this node?" costs one term match per group, not per pod.
    private readonly List<(int Constraints, int Namespace, List<int> Pods)> _antiAffinityGroups = [];
    // Per label set (namespace + labels) of a pod being placed: the (group, term) pairs whose term selects it. Pods of
    // one workload share the set, so the groups are matched once per workload instead of once per placement.
    private readonly Dictionary<int, (int Group, int Term)[]> _selectingTerms = [];
    private Dictionary<int, List<int>>? _groupsByNamespace;
    private List<int>? _crossNamespaceGroups;

    private readonly Dictionary<IReadOnlyList<int>, LeastAllocatedIndex> _leastAllocated = new(ReferenceEqualityComparer.Instance);

    // The domains blocked for the last pod asked about, valid until the projection changes.
    private int _cachedPod = -1;
    private long _cachedVersion = -1;
    private (HashSet<(int Key, int Value)>? Own, HashSet<(int Key, int Value)>? Existing, Dictionary<(int Key, int Value), int>? Blockers) _cached;
    private readonly int _hostnameKey;

    public TargetFinder(ClusterSnapshot snapshot, Projection projection, StaticFitIndex? staticFit = null)
    {
        _snapshot = snapshot;
        _projection = projection;
        _staticFit = staticFit ?? new StaticFitIndex(snapshot);
        _draining = new bool[snapshot.Nodes.Count];
        _hostnameKey = snapshot.Strings.Find("kubernetes.io/hostname");
        PodTable pods = snapshot.Pods;
        var groupOf = new Dictionary<(int, int), int>();
        for (int p = 0; p < pods.Count; p++)
        {
            if (snapshot.ConstraintSets[pods.Constraints[p]].RequiredPodAntiAffinity.Length > 0)
            {
                (int, int) key = (pods.Constraints[p], pods.Namespace[p]);
                if (!groupOf.TryGetValue(key, out int group))
                {
                    groupOf[key] = group = _antiAffinityGroups.Count;
                    _antiAffinityGroups.Add((pods.Constraints[p], pods.Namespace[p], []));
                }

                _antiAffinityGroups[group].Pods.Add(p);
            }
        }
    }

    /// <summary>
    /// The best target for <paramref name="pod"/> among the <paramref name="candidates"/> that <paramref name="allow"/>
    /// accepts (its current node excluded), or -1
    /// with <paramref name="failure"/> explaining why no node fits (per-predicate counts and the best candidate's detail).
    /// </summary>
    public int FindTarget(int pod, IReadOnlyList<int> candidates, TargetScoring scoring, out string failure, Func<int, bool>? allow = null)
    {
        if (scoring == TargetScoring.LeastAllocated)
        {
            int found = FindLeastAllocated(pod, candidates, allow);
            if (found >= 0)
            {
                failure = string.Empty;
                return found;
            }

            // Nothing fits: the full scan below counts every predicate's failures for the explanation.
        }

        int considered = 0;
        failure = string.Empty;
        FitFailure[] staticFit = _staticFit.ForPod(pod);
        NodeTable nodes = _snapshot.Nodes;
        int current = _projection.NodeOf(pod);
        int best = -1;
        double bestScore = double.NegativeInfinity;
        Span<int> failures = stackalloc int[16];
        failures.Clear();
        int bestFailedNode = -1;
        FitFailure bestFailedStage = FitFailure.None;
        var blocked = default((HashSet<(int Key, int Value)>? Own, HashSet<(int Key, int Value)>? Existing, Dictionary<(int Key, int Value), int>? Blockers));
        bool blockedComputed = false;

        foreach (int node in candidates)
        {
            // Filtered here rather than by copying the list: this runs once per planned eviction.
            if (allow is not null && !allow(node))
            {
                continue;
            }

            considered++;
            FitFailure result = node == current ? FitFailure.SameNode : nodes.IsUnschedulable(node) ? FitFailure.Unschedulable
                : _draining[node] ? FitFailure.Draining : staticFit[node];
            if (result == FitFailure.None)
            {
                if (!blockedComputed)
                {
                    blocked = Blocked(pod);
                    blockedComputed = true;
                }

                result = CheckDynamic(pod, node, blocked);
            }

            if (result != FitFailure.None)
            {
                failures[(int)result]++;
                if (result != FitFailure.SameNode && (bestFailedNode < 0 || result > bestFailedStage))
                {
                    bestFailedNode = node;
                    bestFailedStage = result;
                }

                continue;
            }

            double score = Score(pod, node, scoring);
            if (score > bestScore)
            {
                bestScore = score;
                best = node;
            }
        }

        if (best < 0)
        {
            failure = DescribeFailures(pod, considered, failures, bestFailedNode, bestFailedStage);
            LastFailure = new FitVerdict(bestFailedNode, bestFailedStage);
        }

        return best;
    }

    /// <summary>
    /// After a <see cref="FindTarget"/> that found no node: the best candidate (the one that got furthest through the
    /// predicates) and the predicate it failed; node -1 when no candidate but the pod's own node was tried.
    /// </summary>
    public FitVerdict LastFailure { get; private set; }

    /// <summary>
    /// The LeastAllocated target through the per-shape order (<see cref="LeastAllocatedIndex"/>): in each shape the first
    /// node that passes every predicate, plus any node whose key ties with it (so float rounding cannot change the pick);
    /// then the best score across shapes, ties to the lower node index as in the full scan. -1 when none fits.
    /// </summary>
    private int FindLeastAllocated(int pod, IReadOnlyList<int> candidates, Func<int, bool>? allow)
    {
        if (!_leastAllocated.TryGetValue(candidates, out LeastAllocatedIndex? index))
        {
            _leastAllocated[candidates] = index = new LeastAllocatedIndex(_snapshot, _projection, candidates);
        }

        FitFailure[] staticFit = _staticFit.ForPod(pod);
        NodeTable nodes = _snapshot.Nodes;
        int current = _projection.NodeOf(pod);
        int best = -1;
        double bestScore = double.NegativeInfinity;
        var blocked = default((HashSet<(int Key, int Value)>? Own, HashSet<(int Key, int Value)>? Existing, Dictionary<(int Key, int Value), int>? Blockers));
        bool blockedComputed = false;
        int row = _staticFit.RowOf(_snapshot.Pods.Constraints[pod]);
        IReadOnlyList<SortedSet<(double Key, int Node)>> shapes = index.Shapes;
        for (int s = 0; s < shapes.Count; s++)
        {
            if (index.SparseNodes(row, s, staticFit) is int[] sparse)
            {
                // Few usable nodes in this shape: score them all.
                foreach (int node in sparse)
                {
                    Consider(node);
                }

                continue;
            }

            double firstKey = double.NaN;
            foreach ((double key, int node) in shapes[s])
            {
                if (!double.IsNaN(firstKey) && key < firstKey - 1e-9)
                {
                    break;
                }

                if (Consider(node) && double.IsNaN(firstKey))
                {
                    firstKey = key;
                }
            }
        }

        bool Consider(int node)
        {
            if (node == current || nodes.IsUnschedulable(node) || _draining[node] || staticFit[node] != FitFailure.None || (allow is not null && !allow(node)))
            {
                return false;
            }

            if (!blockedComputed)
            {
                blocked = Blocked(pod);
                blockedComputed = true;
            }

            if (CheckDynamic(pod, node, blocked) != FitFailure.None)
            {
                return false;
            }

            double score = Score(pod, node, TargetScoring.LeastAllocated);
            if (score > bestScore || (score == bestScore && node < best))
            {
                bestScore = score;
                best = node;
            }

            return true;
        }

        return best;
    }

    /// <summary>
    /// Marks a node the plan empties (Consolidation): later placements, by any plugin, must not land on a node that is
    /// going away. Not undone by a rollback: callers mark a node only once its drain is committed.
    /// </summary>
    public void MarkDraining(int node) => _draining[node] = true;

    /// <summary>The first predicate <paramref name="pod"/> fails on <paramref name="node"/> in the projection, with its detail.</summary>
    public FitFailure Check(int pod, int node, out string detail)
    {
        FitFailure result = Check(pod, node);
        detail = result == FitFailure.None ? string.Empty : Describe(pod, node, result);
        return result;
    }

    /// <summary>
    /// The first predicate <paramref name="pod"/> fails on <paramref name="node"/> in the projection, without building
    /// its explanation: searches that try many nodes per pod (Consolidation's best fit) call this.
    /// </summary>
    public FitFailure Check(int pod, int node)
    {
        FitFailure result = node == _projection.NodeOf(pod) ? FitFailure.SameNode
            : _snapshot.Nodes.IsUnschedulable(node) ? FitFailure.Unschedulable
            : _draining[node] ? FitFailure.Draining
            : _staticFit.ForPod(pod)[node];
        return result == FitFailure.None ? CheckDynamic(pod, node, Blocked(pod)) : result;
    }

    private FitFailure CheckDynamic(int pod, int node, (HashSet<(int Key, int Value)>? Own, HashSet<(int Key, int Value)>? Existing, Dictionary<(int Key, int Value), int>? Blockers) blocked)
    {
        if (blocked.Own is not null && IsBlocked(node, blocked.Own))
        {
            return FitFailure.PodAntiAffinity;
        }

        if (blocked.Existing is not null && IsBlocked(node, blocked.Existing))
        {
            return FitFailure.ExistingPodAntiAffinity;
        }

        ReadOnlySpan<long> requests = _snapshot.Pods.RequestsOf(pod);
        ReadOnlySpan<long> allocatable = _snapshot.Nodes.AllocatableOf(node);
        ReadOnlySpan<long> used = _projection.RequestedOn(node);
        for (int r = 0; r < requests.Length; r++)
        {
            if (requests[r] > 0 && requests[r] > allocatable[r] - used[r])
            {
                return FitFailure.Resources;
            }
        }

        return FitFailure.None;
    }

    /// <summary>
    /// The topology domains the pod may not go to: where its own required anti-affinity terms find a pod, and where an
    /// existing pod's required anti-affinity selects it. Domains are (topology key, value); (-1, node) is "this node".
    /// </summary>
    private (HashSet<(int Key, int Value)>? Own, HashSet<(int Key, int Value)>? Existing, Dictionary<(int Key, int Value), int>? Blockers) Blocked(int pod)
    {
        if (pod == _cachedPod && _projection.Version == _cachedVersion)
        {
            return _cached;
        }

        HashSet<(int, int)>? existing = null;
        Dictionary<(int, int), int>? blockers = null;
        foreach ((int groupIndex, int termIndex) in SelectingTerms(pod))
        {
            (int constraints, _, List<int> group) = _antiAffinityGroups[groupIndex];
            PodAffinityTerm term = _snapshot.ConstraintSets[constraints].RequiredPodAntiAffinity[termIndex];
            foreach (int other in group)
            {
                int otherNode = _projection.NodeOf(other);
                if (other == pod || otherNode < 0)
                {
                    continue;
                }

                existing ??= [];
                blockers ??= [];
                if (_snapshot.Nodes.Labels[otherNode].TryGet(term.TopologyKey, out int value) && existing.Add((term.TopologyKey, value)))
                {
                    blockers[(term.TopologyKey, value)] = other;
                }

                if (existing.Add((-1, otherNode)))
                {
                    blockers[(-1, otherNode)] = other;
                }
            }
        }

        _cached = (BlockedDomains(pod), existing, blockers);
        _cachedPod = pod;
        _cachedVersion = _projection.Version;
        return _cached;
    }

    /// <summary>The (group, term) pairs of existing pods' required anti-affinity whose term selects <paramref name="pod"/>.</summary>
    private (int Group, int Term)[] SelectingTerms(int pod)
    {
        if (_antiAffinityGroups.Count == 0)
        {
            return [];
        }

        int set = _snapshot.PodLabelSets.SetOf(pod);
        if (_selectingTerms.TryGetValue(set, out (int, int)[]? cached))
        {
            return cached;
        }

        if (_groupsByNamespace is null)
        {
            // A term with neither namespaces nor a namespace selector only selects pods of its own namespace, so a
            // pod needs to be matched against its namespace's groups and the (usually few) cross-namespace ones.
            _groupsByNamespace = [];
            _crossNamespaceGroups = [];
            for (int g = 0; g < _antiAffinityGroups.Count; g++)
            {
                (int constraints, int ns, _) = _antiAffinityGroups[g];
                if (_snapshot.ConstraintSets[constraints].RequiredPodAntiAffinity.All(t => t.Namespaces.Length == 0 && t.NamespaceSelector is null))
                {
                    if (!_groupsByNamespace.TryGetValue(ns, out List<int>? list))
                    {
                        _groupsByNamespace[ns] = list = [];
                    }

                    list.Add(g);
                }
                else
                {
                    _crossNamespaceGroups.Add(g);
                }
            }
        }

        var groups = new List<int>(_crossNamespaceGroups!);
        if (_groupsByNamespace.TryGetValue(_snapshot.Pods.Namespace[pod], out List<int>? own))
        {
            groups.AddRange(own);
        }

        groups.Sort(); // group order, as a scan of every group would visit them
        var selecting = new List<(int, int)>();
        foreach (int g in groups)
        {
            (int constraints, int ns, _) = _antiAffinityGroups[g];
            PodAffinityTerm[] terms = _snapshot.ConstraintSets[constraints].RequiredPodAntiAffinity;
            for (int t = 0; t < terms.Length; t++)
            {
                // Namespace and labels are all a term reads of the pod, and the label set fixes both.
                if (Predicates.TermSelects(_snapshot, terms[t], ns, pod))
                {
                    selecting.Add((g, t));
                }
            }
        }

        (int, int)[] result = [.. selecting];
        _selectingTerms[set] = result;
        return result;
    }

    /// <summary>Topology domains (key, value) where the pod's own required anti-affinity terms find a matching pod.</summary>
    private HashSet<(int Key, int Value)>? BlockedDomains(int pod)
    {
        PodConstraints constraints = _snapshot.ConstraintsOf(pod);
        if (constraints.RequiredPodAntiAffinity.Length == 0)
        {
            return null;
        }

        var blocked = new HashSet<(int, int)>();
        int ownNamespace = _snapshot.Pods.Namespace[pod];
        PodLabelSets sets = _snapshot.PodLabelSets;
        foreach (PodAffinityTerm term in constraints.RequiredPodAntiAffinity)
        {
            foreach (int set in SetsFor(term, ownNamespace))
            {
                // The term is matched once per set of identically labelled pods, not once per pod.
                if (!Predicates.TermSelects(_snapshot, term, ownNamespace, sets.RepresentativeOf(set)))
                {
                    continue;
                }

                foreach (int other in sets.PodsOf(set))
                {
                    int otherNode = _projection.NodeOf(other);
                    if (other == pod || otherNode < 0)
                    {
                        continue;
                    }

                    if (_snapshot.Nodes.Labels[otherNode].TryGet(term.TopologyKey, out int value))
                    {
                        blocked.Add((term.TopologyKey, value));
                    }

                    // The same node always counts, even without the topology label.
                    blocked.Add((-1, otherNode));
                }
            }
        }

        return blocked;
    }

    private bool IsBlocked(int node, HashSet<(int Key, int Value)> blocked)
    {
        if (blocked.Contains((-1, node)))
        {
            return true;
        }

        // Probe the node's own few labels against the set rather than walking the set: anti-affinity against a workload
        // of hundreds of replicas blocks hundreds of hostname domains, and this runs for every candidate node.
        LabelView labels = _snapshot.Nodes.Labels[node];
        ReadOnlySpan<int> keys = labels.Keys;
        ReadOnlySpan<int> values = labels.Values;
        for (int i = 0; i < keys.Length; i++)
        {
            if (blocked.Contains((keys[i], values[i])))
            {
                return true;
            }
        }

        return false;
    }

    private bool ExistingAntiAffinityForbids(int pod, int node, out int blocker)
    {
        var blocked = Blocked(pod);
        blocker = -1;
        if (blocked.Existing is null || !IsBlocked(node, blocked.Existing))
        {
            return false;
        }

        LabelView labels = _snapshot.Nodes.Labels[node];
        foreach (((int key, int value), int other) in blocked.Blockers!)
        {
            if ((key < 0 && value == node) || (key >= 0 && labels.TryGet(key, out int actual) && actual == value))
            {
                blocker = other;
                break;
            }
        }

        return true;
    }

    /// <summary>The label sets a term may select: its namespaces' (its own by default), or all with a namespace selector.</summary>
    private IEnumerable<int> SetsFor(PodAffinityTerm term, int ownNamespace)
    {
        PodLabelSets sets = _snapshot.PodLabelSets;
        if (term.NamespaceSelector is not null)
        {
            return Enumerable.Range(0, sets.Count);
        }

        if (term.Namespaces.Length == 0)
        {
            return sets.CandidateSets(ownNamespace, term.Selector);
        }

        return term.Namespaces.SelectMany(ns => sets.CandidateSets(ns, term.Selector));
    }

    private double Score(int pod, int node, TargetScoring scoring)
    {
        // Mean free fraction of cpu and memory after placing the pod (NodeResourcesFit's default resources).
        ReadOnlySpan<long> requests = _snapshot.Pods.RequestsOf(pod);
        ReadOnlySpan<long> allocatable = _snapshot.Nodes.AllocatableOf(node);
        ReadOnlySpan<long> used = _projection.RequestedOn(node);
        double free = 0;
        for (int r = ResourceCatalog.Cpu; r <= ResourceCatalog.Memory; r++)
        {
            free += allocatable[r] <= 0 ? 0 : (allocatable[r] - used[r] - requests[r]) / (double)allocatable[r];
        }

        return scoring == TargetScoring.LeastAllocated ? free : -free;
    }

    private string DescribeFailures(int pod, int candidates, ReadOnlySpan<int> failures, int bestFailedNode, FitFailure stage)
    {
        var text = new StringBuilder();
        text.Append("0/").Append(candidates).Append(" nodes fit");
        string separator = ": ";
        for (int f = 1; f < failures.Length; f++)
        {
            if (failures[f] > 0)
            {
                text.Append(separator).Append(failures[f]).Append(' ').Append(Label((FitFailure)f));
                separator = ", ";
            }
        }

        if (bestFailedNode >= 0)
        {
            text.Append("; best candidate ").Append(_snapshot.Nodes.Name[bestFailedNode]).Append(": ").Append(Describe(pod, bestFailedNode, stage));
        }

        return text.ToString();
    }

    private static string Label(FitFailure failure) => failure switch
    {
        FitFailure.SameNode => "current node",
        FitFailure.Unschedulable => "unschedulable",
        FitFailure.Draining => "being drained by this plan",
        FitFailure.NodeSelector => "node selector/affinity mismatch",
        FitFailure.Taint => "untolerated taint",
        FitFailure.PodAntiAffinity => "pod anti-affinity",
        FitFailure.ExistingPodAntiAffinity => "existing pods' anti-affinity",
        FitFailure.Resources => "insufficient resources",
        _ => failure.ToString(),
    };

    /// <summary>The detail of one predicate failure on one node, with its numbers.</summary>
    public string Describe(int pod, int node, FitFailure failure)
    {
        PodConstraints constraints = _snapshot.ConstraintsOf(pod);
        switch (failure)
        {
            case FitFailure.Unschedulable:
                return "node is cordoned (spec.unschedulable)";
            case FitFailure.Draining:
                return "node is being emptied by Consolidation in this plan";
            case FitFailure.NodeSelector:
                return "nodeSelector / required node affinity does not match the node's labels";
            case FitFailure.Taint:
                Predicates.ToleratesTaints(_snapshot.Nodes.TaintsOf(node), constraints.Tolerations, true, true, false, out Taint taint);
                string value = taint.Value == 0 ? string.Empty : "=" + _snapshot.Strings[taint.Value];
                return $"taint {_snapshot.Strings[taint.Key]}{value}:{taint.Effect} is not tolerated";
            case FitFailure.PodAntiAffinity:
                return "the pod's required anti-affinity matches a pod in the node's topology domain";
            case FitFailure.ExistingPodAntiAffinity:
                ExistingAntiAffinityForbids(pod, node, out int blocker);
                return blocker >= 0 ? $"pod {_snapshot.PodKey(blocker)} has required anti-affinity against it" : "an existing pod's anti-affinity forbids it";
            case FitFailure.Resources:
                return DescribeResources(pod, node);
            default:
                return Label(failure);
        }
    }

    private string DescribeResources(int pod, int node)
    {
        ReadOnlySpan<long> requests = _snapshot.Pods.RequestsOf(pod);
        ReadOnlySpan<long> allocatable = _snapshot.Nodes.AllocatableOf(node);
        ReadOnlySpan<long> used = _projection.RequestedOn(node);
        var parts = new List<string>();
        for (int r = 0; r < requests.Length; r++)
        {
            long free = allocatable[r] - used[r];
            if (requests[r] > 0 && requests[r] > free)
            {
                parts.Add($"insufficient {_snapshot.Resources[r]} (requests {Units.Format(r, requests[r])}, free {Units.Format(r, Math.Max(0, free))})");
            }
        }

        return string.Join(", ", parts);
    }
}
