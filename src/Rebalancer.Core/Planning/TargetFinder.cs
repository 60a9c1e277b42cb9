using System.Text;
using Rebalancer.Core.Model;
using Rebalancer.Core.Scheduling;
using Rebalancer.Core.Scheduling.Scoring;

namespace Rebalancer.Core.Planning;

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

    /// <summary>A <c>whenUnsatisfiable: DoNotSchedule</c> topology spread constraint (PodTopologySpread's filter).</summary>
    TopologySpread,

    /// <summary>The pod's required pod affinity finds no matching pod in the node's domain (InterPodAffinity's filter).</summary>
    PodAffinity,
    PodAntiAffinity,
    ExistingPodAntiAffinity,
    Resources,
}

/// <summary>
/// Finds where kube-scheduler would put a pod in the projection (docs/design/0006-scheduler-model.md). Filters, in
/// order: the pod's node, cordon, being drained by this plan, nodeSelector and required node affinity,
/// NoSchedule/NoExecute taints, DoNotSchedule topology spread (minDomains and the inclusion policies included), required
/// pod affinity, required pod anti-affinity in both directions, every requested resource and the pod count. Then the
/// configured scheduler profile scores the feasible nodes (<see cref="SchedulerScoring"/>) and the best one wins, ties
/// to the lower node index. The static predicates are cached per scheduling-constraint set; the dynamic ones are
/// prepared once per pod and projection state.
/// </summary>
public sealed class TargetFinder
{
    private readonly ClusterSnapshot _snapshot;
    private readonly Projection _projection;
    private readonly StaticFitIndex _staticFit;
    private readonly ScoringContext _scoringContext;
    private readonly SchedulerScoring _scoring;
    private readonly TopologySpreading _spreading;
    private readonly bool[] _draining;
    private readonly TermGroups _antiAffinity;
    private readonly List<int> _matching = [];
    private readonly bool[] _blockedOwn;
    private readonly bool[] _blockedExisting;
    private readonly List<int> _touchedOwn = [];
    private readonly List<int> _touchedExisting = [];
    private int[] _feasible = [];

    // The dynamic filter state of the last pod asked about, valid until the projection changes.
    private int _cachedPod = -1;
    private long _cachedVersion = -1;
    private PodFilter _cached = PodFilter.Empty;

    public TargetFinder(ClusterSnapshot snapshot, Projection projection, StaticFitIndex? staticFit = null, SchedulerProfile? scheduler = null)
    {
        _snapshot = snapshot;
        _projection = projection;
        _staticFit = staticFit ?? new StaticFitIndex(snapshot);
        _draining = new bool[snapshot.Nodes.Count];
        _blockedOwn = new bool[snapshot.Nodes.Count];
        _blockedExisting = new bool[snapshot.Nodes.Count];
        _scoringContext = new ScoringContext(snapshot, projection, _staticFit);
        scheduler ??= SchedulerProfile.Default;
        _scoring = new SchedulerScoring(scheduler, _scoringContext);
        _spreading = new TopologySpreading(_scoringContext, scheduler.Spreading);
        _antiAffinity = new TermGroups(snapshot, c => [.. c.RequiredPodAntiAffinity.Select(t => new WeightedTerm(t, 0))]);
    }

    /// <summary>The scheduler profile targets are scored with.</summary>
    public SchedulerProfile Scheduler => _scoring.Profile;

    /// <summary>
    /// The node the scheduler would pick for <paramref name="pod"/> among the <paramref name="candidates"/> that
    /// <paramref name="allow"/> accepts (its current node excluded), or -1 with <paramref name="failure"/> explaining
    /// why no node fits (per-predicate counts and the best candidate's detail).
    /// </summary>
    public int FindTarget(int pod, IReadOnlyList<int> candidates, out string failure, Func<int, bool>? allow = null)
    {
        failure = string.Empty;
        if (_feasible.Length < candidates.Count)
        {
            _feasible = new int[candidates.Count];
        }

        int considered = 0;
        int feasible = 0;
        FitFailure[] staticFit = _staticFit.ForPod(pod);
        NodeTable nodes = _snapshot.Nodes;
        int current = _projection.NodeOf(pod);
        Span<int> failures = stackalloc int[16];
        failures.Clear();
        int bestFailedNode = -1;
        FitFailure bestFailedStage = FitFailure.None;
        PodFilter? filter = null;
        ReadOnlySpan<int> list = candidates switch
        {
            List<int> l => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(l),
            int[] a => a,
            _ => candidates.ToArray(),
        };
        for (int i = 0; i < list.Length; i++)
        {
            int node = list[i];

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
                result = CheckDynamic(pod, node, filter ??= FilterFor(pod));
            }

            if (result == FitFailure.None)
            {
                _feasible[feasible++] = node;
                continue;
            }

            failures[(int)result]++;
            if (result != FitFailure.SameNode && (bestFailedNode < 0 || result > bestFailedStage))
            {
                bestFailedNode = node;
                bestFailedStage = result;
            }
        }

        if (feasible == 0)
        {
            failure = DescribeFailures(pod, considered, failures, bestFailedNode, bestFailedStage);
            LastFailure = new FitVerdict(bestFailedNode, bestFailedStage);
            return -1;
        }

        return _scoring.Best(pod, _feasible.AsSpan(0, feasible));
    }

    /// <summary>
    /// After a <see cref="FindTarget"/> that found no node: the best candidate (the one that got furthest through the
    /// predicates) and the predicate it failed; node -1 when no candidate but the pod's own node was tried.
    /// </summary>
    public FitVerdict LastFailure { get; private set; }

    /// <summary>
    /// Marks a node the plan empties and cordons (Consolidation, HighNodeUtilization): later placements, by any plugin,
    /// must not land on a node that is going away. Not undone by a rollback: callers mark a node only once its drain is
    /// committed.
    /// </summary>
    public void MarkDraining(int node) => _draining[node] = true;

    /// <summary>Undoes <see cref="MarkDraining"/> for a drain that was dropped before it was committed.</summary>
    public void UnmarkDraining(int node) => _draining[node] = false;

    public bool IsDraining(int node) => _draining[node];

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
        return result == FitFailure.None ? CheckDynamic(pod, node, FilterFor(pod)) : result;
    }

    private FitFailure CheckDynamic(int pod, int node, PodFilter filter)
    {
        if (filter.Spread is { } spread && !SpreadAllows(node, spread))
        {
            return FitFailure.TopologySpread;
        }

        if (filter.AffinityTerms is { } terms && !AffinityAllows(node, terms, filter))
        {
            return FitFailure.PodAffinity;
        }

        if (filter.Own is not null && _blockedOwn[node])
        {
            return FitFailure.PodAntiAffinity;
        }

        if (filter.Existing is not null && _blockedExisting[node])
        {
            return FitFailure.ExistingPodAntiAffinity;
        }

        long[] allocatable = _snapshot.Nodes.Allocatable;
        long[] used = _projection.Requested;
        int row = node * _snapshot.Resources.Count;
        int[] resources = filter.Requested;
        long[] amounts = filter.Amounts;
        for (int k = 0; k < resources.Length; k++)
        {
            int r = resources[k];
            if (amounts[k] > allocatable[row + r] - used[row + r])
            {
                return FitFailure.Resources;
            }
        }

        return FitFailure.None;
    }

    /// <summary>
    /// The pod's dynamic filter state against the projection: the domains its own and existing pods' required
    /// anti-affinity block, its required affinity terms' counts, and its DoNotSchedule spread constraints' domains.
    /// </summary>
    private PodFilter FilterFor(int pod)
    {
        if (pod == _cachedPod && _projection.Version == _cachedVersion)
        {
            return _cached;
        }

        HashSet<(int, int)>? existing = null;
        Dictionary<(int, int), int>? blockers = null;
        foreach ((int group, int term) in _antiAffinity.Selecting(pod))
        {
            PodAffinityTerm t = _antiAffinity.TermOf(group, term).Term;
            foreach (int other in _antiAffinity.PodsOf(group))
            {
                int otherNode = _projection.NodeOf(other);
                if (other == pod || otherNode < 0)
                {
                    continue;
                }

                existing ??= [];
                blockers ??= [];
                if (_snapshot.Nodes.Labels[otherNode].TryGet(t.TopologyKey, out int value) && existing.Add((t.TopologyKey, value)))
                {
                    blockers[(t.TopologyKey, value)] = other;
                }

                if (existing.Add((-1, otherNode)))
                {
                    blockers[(-1, otherNode)] = other;
                }
            }
        }

        PodAffinityTerm[] affinity = _snapshot.ConstraintsOf(pod).RequiredPodAffinity;
        HashSet<(int, int)>? own = BlockedDomains(pod);
        Mark(_blockedOwn, _touchedOwn, own);
        Mark(_blockedExisting, _touchedExisting, existing);
        ReadOnlySpan<long> requests = _snapshot.Pods.RequestsOf(pod);
        var requested = new List<int>(4);
        var amounts = new List<long>(4);
        for (int r = 0; r < requests.Length; r++)
        {
            if (requests[r] > 0)
            {
                requested.Add(r);
                amounts.Add(requests[r]);
            }
        }

        _cached = new PodFilter
        {
            Requested = [.. requested],
            Amounts = [.. amounts],
            Own = own,
            Existing = existing,
            Blockers = blockers,
            AffinityTerms = affinity.Length > 0 ? affinity : null,
            AffinityCounts = affinity.Length > 0 ? AffinityCounts(pod, affinity) : null,
        };
        _cached.FirstOfItsKind = affinity.Length > 0 && _cached.AffinityCounts!.Count == 0 && MatchesAll(affinity, pod, pod);
        _cached.Spread = SpreadFilters(pod);
        _cachedPod = pod;
        _cachedVersion = _projection.Version;
        return _cached;
    }

    /// <summary>
    /// Marks every node in a blocked domain, so the per-node check is an array read: a workload of hundreds of replicas
    /// blocks hundreds of hostname domains, and probing each candidate's labels against the set cost a lookup per label
    /// per candidate.
    /// </summary>
    private void Mark(bool[] blocked, List<int> touched, HashSet<(int Key, int Value)>? domains)
    {
        foreach (int node in touched)
        {
            blocked[node] = false;
        }

        touched.Clear();
        foreach ((int key, int value) in domains ?? [])
        {
            if (key < 0)
            {
                blocked[value] = true;
                touched.Add(value);
                continue;
            }

            foreach (int node in _scoringContext.NodesWithLabel(key, value))
            {
                blocked[node] = true;
                touched.Add(node);
            }
        }
    }

    /// <summary>Topology domains (key, value) where the pod's own required anti-affinity terms find a matching pod; (-1, node) is "this node".</summary>
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
            foreach (int set in _scoringContext.SetsFor(term, ownNamespace))
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

    /// <summary>
    /// InterPodAffinity's affinity counts: for every pod (not this one) that matches all of the pod's required affinity
    /// terms, each term's domain of that pod's node counts one.
    /// </summary>
    private Dictionary<(int Key, int Value), int> AffinityCounts(int pod, PodAffinityTerm[] terms)
    {
        var counts = new Dictionary<(int, int), int>();
        int ownNamespace = _snapshot.Pods.Namespace[pod];
        PodLabelSets sets = _snapshot.PodLabelSets;
        foreach (int set in _scoringContext.SetsFor(terms[0], ownNamespace))
        {
            if (!MatchesAll(terms, pod, sets.RepresentativeOf(set)))
            {
                continue;
            }

            foreach (int other in sets.PodsOf(set))
            {
                int node = _projection.NodeOf(other);
                if (other == pod || node < 0)
                {
                    continue;
                }

                foreach (PodAffinityTerm term in terms)
                {
                    if (_snapshot.Nodes.Labels[node].TryGet(term.TopologyKey, out int value))
                    {
                        counts[(term.TopologyKey, value)] = counts.GetValueOrDefault((term.TopologyKey, value)) + 1;
                    }
                }
            }
        }

        return counts;
    }

    /// <summary>podMatchesAllAffinityTerms: every term (declared by <paramref name="owner"/>) selects <paramref name="pod"/>.</summary>
    private bool MatchesAll(PodAffinityTerm[] terms, int owner, int pod)
    {
        int ns = _snapshot.Pods.Namespace[owner];
        foreach (PodAffinityTerm term in terms)
        {
            if (!Predicates.TermSelects(_snapshot, term, ns, pod))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// satisfyPodAffinity: the node carries every term's topology key, and each term's domain has a matching pod —
    /// unless no pod in the cluster matches and the pod matches its own terms (the first pod of a self-affine group).
    /// </summary>
    private bool AffinityAllows(int node, PodAffinityTerm[] terms, PodFilter filter)
    {
        bool podsExist = true;
        LabelView labels = _snapshot.Nodes.Labels[node];
        foreach (PodAffinityTerm term in terms)
        {
            if (!labels.TryGet(term.TopologyKey, out int value))
            {
                return false;
            }

            if (filter.AffinityCounts!.GetValueOrDefault((term.TopologyKey, value)) <= 0)
            {
                podsExist = false;
            }
        }

        return podsExist || filter.FirstOfItsKind;
    }

    /// <summary>
    /// PodTopologySpread's PreFilter for the pod's DoNotSchedule constraints (its own, or DoNotSchedule default
    /// constraints when it has none): per constraint, the domains of every node that carries all the constraints'
    /// keys and passes the inclusion policies, with their matching-pod counts, the global minimum and the domain count.
    /// </summary>
    private SpreadFilter[]? SpreadFilters(int pod)
    {
        ReadOnlySpan<SpreadTerm> terms = _spreading.Constraints(pod, UnsatisfiableConstraintAction.DoNotSchedule, out _);
        if (terms.Length == 0)
        {
            return null;
        }

        var columns = new int[terms.Length][];
        for (int c = 0; c < terms.Length; c++)
        {
            columns[c] = _scoringContext.NodeValues(terms[c].TopologyKey);
        }

        FitFailure[] staticFit = _staticFit.ForPod(pod);
        var filters = new SpreadFilter[terms.Length];
        for (int c = 0; c < terms.Length; c++)
        {
            SpreadTerm term = terms[c];
            var counts = new Dictionary<int, int>();
            for (int n = 0; n < _snapshot.Nodes.Count; n++)
            {
                if (Eligible(n))
                {
                    counts.TryAdd(columns[c][n], 0);
                }
            }

            _matching.Clear();
            _spreading.MatchingPodNodes(pod, term, _matching);
            foreach (int node in _matching)
            {
                if (Eligible(node))
                {
                    counts[columns[c][node]]++;
                }
            }

            int min = counts.Count == 0 ? int.MaxValue : counts.Values.Min();
            filters[c] = new SpreadFilter(columns[c], term.MaxSkew, _spreading.SelfMatches(pod, term) ? 1 : 0,
                counts.Count < term.MinDomains ? 0 : min, counts, term.TopologyKey);

            bool Eligible(int node)
            {
                foreach (int[] column in columns)
                {
                    if (column[node] < 0)
                    {
                        return false; // nodeLabelsMatchSpreadConstraints: every key of every constraint
                    }
                }

                return _spreading.Includes(pod, term, node, staticFit);
            }
        }

        return filters;
    }

    /// <summary>PodTopologySpread's Filter: the node has each key and its domain's count + self − global minimum ≤ maxSkew.</summary>
    private static bool SpreadAllows(int node, SpreadFilter[] filters)
    {
        foreach (SpreadFilter filter in filters)
        {
            int value = filter.Values[node];
            if (value < 0 || filter.Counts.GetValueOrDefault(value) + filter.Self - filter.Minimum > filter.MaxSkew)
            {
                return false;
            }
        }

        return true;
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
        PodFilter filter = FilterFor(pod);
        blocker = -1;
        if (filter.Existing is null || !IsBlocked(node, filter.Existing))
        {
            return false;
        }

        LabelView labels = _snapshot.Nodes.Labels[node];
        foreach (((int key, int value), int other) in filter.Blockers!)
        {
            if ((key < 0 && value == node) || (key >= 0 && labels.TryGet(key, out int actual) && actual == value))
            {
                blocker = other;
                break;
            }
        }

        return true;
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
        FitFailure.TopologySpread => "topology spread constraint",
        FitFailure.PodAffinity => "pod affinity",
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
                return "node is being emptied and cordoned by this plan";
            case FitFailure.NodeSelector:
                return "nodeSelector / required node affinity does not match the node's labels";
            case FitFailure.Taint:
                Predicates.ToleratesTaints(_snapshot.Nodes.TaintsOf(node), constraints.Tolerations, true, true, false, out Taint taint);
                string value = taint.Value == 0 ? string.Empty : "=" + _snapshot.Strings[taint.Value];
                return $"taint {_snapshot.Strings[taint.Key]}{value}:{taint.Effect} is not tolerated";
            case FitFailure.TopologySpread:
                return DescribeSpread(pod, node);
            case FitFailure.PodAffinity:
                return "the pod's required pod affinity finds no matching pod in the node's topology domain";
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

    private string DescribeSpread(int pod, int node)
    {
        foreach (SpreadFilter filter in FilterFor(pod).Spread ?? [])
        {
            string key = _snapshot.Strings[filter.Key];
            int value = filter.Values[node];
            if (value < 0)
            {
                return $"the node has no {key} label, which a DoNotSchedule topology spread constraint needs";
            }

            int matching = filter.Counts.GetValueOrDefault(value);
            if (matching + filter.Self - filter.Minimum > filter.MaxSkew)
            {
                return $"topology spread on {key}: {_snapshot.Strings[value]} would have {matching + filter.Self} matching pods, "
                    + $"global minimum {filter.Minimum}, maxSkew {filter.MaxSkew} (DoNotSchedule)";
            }
        }

        return "a DoNotSchedule topology spread constraint";
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

    /// <summary>One DoNotSchedule constraint's PreFilter result: domain per node, counts per domain, self-match and the minimum in effect.</summary>
    private sealed record SpreadFilter(int[] Values, int MaxSkew, int Self, int Minimum, Dictionary<int, int> Counts, int Key);

    /// <summary>The dynamic filter state of one pod against one projection state.</summary>
    private sealed class PodFilter
    {
        public static readonly PodFilter Empty = new();

        /// <summary>The resources the pod requests (a positive amount), and the amounts: the resource check reads only these.</summary>
        public int[] Requested { get; init; } = [];

        public long[] Amounts { get; init; } = [];

        public HashSet<(int Key, int Value)>? Own { get; init; }

        public HashSet<(int Key, int Value)>? Existing { get; init; }

        public Dictionary<(int Key, int Value), int>? Blockers { get; init; }

        public PodAffinityTerm[]? AffinityTerms { get; init; }

        public Dictionary<(int Key, int Value), int>? AffinityCounts { get; init; }

        /// <summary>No pod matches the pod's required affinity and the pod matches its own terms: it may go anywhere with the keys.</summary>
        public bool FirstOfItsKind { get; set; }

        public SpreadFilter[]? Spread { get; set; }
    }
}
