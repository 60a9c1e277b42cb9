using System.Globalization;
using Rebalancer.Core.Evictor;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Scheduling;

namespace Rebalancer.Core.Strategies.SpotRatio;

/// <summary>
/// Keeps the spot / on-demand balance within bounds (docs/spot-and-headroom.md). Nodes are spot when they carry a
/// well-known capacity-type label or match <see cref="SpotRatioSettings.SpotNodeSelector"/>. Three rules move pods from
/// spot to on-demand nodes (targets are restricted to on-demand capacity): pods matching
/// <see cref="SpotRatioSettings.OnDemandOnlySelector"/> leave spot; each workload keeps
/// <see cref="SpotRatioSettings.MinOnDemandReplicas"/> replicas on on-demand; and the share of the requested resource
/// on spot nodes is brought down to <see cref="SpotRatioSettings.MaxSpotFraction"/>. The plugin cannot add nodes: what
/// does not fit is reported as a shortfall of on-demand capacity. With <see cref="SpotRatioSettings.PreferSpot"/> it also
/// works the other way, emptying on-demand nodes onto spot while the share stays within the limit.
/// </summary>
public sealed class SpotRatioStrategy : IStrategy
{
    public const string PluginName = "SpotRatio";

    /// <summary>Labels that mark spot (preemptible) capacity on Karpenter, EKS, GKE and AKS.</summary>
    public static readonly IReadOnlyList<(string Key, string Value)> WellKnownSpotLabels =
    [
        ("karpenter.sh/capacity-type", "spot"),
        ("eks.amazonaws.com/capacityType", "SPOT"),
        ("cloud.google.com/gke-spot", "true"),
        ("cloud.google.com/gke-preemptible", "true"),
        ("kubernetes.azure.com/scalesetpriority", "spot"),
    ];

    private readonly SpotRatioSettings _settings;

    public SpotRatioStrategy(SpotRatioSettings settings) => _settings = settings;

    public string Name => PluginName;

    public void Run(PlanningContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        new Pass(context, _settings).Execute();
    }

    /// <summary>Whether a node counts as spot: a well-known label, or the configured selector.</summary>
    public static bool[] ClassifySpot(ClusterSnapshot snapshot, LabelSelector? spotNodeSelector)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var wellKnown = new List<(int Key, int Value)>();
        foreach ((string key, string value) in WellKnownSpotLabels)
        {
            int k = snapshot.Strings.Find(key);
            int v = snapshot.Strings.Find(value);
            if (k >= 0 && v >= 0)
            {
                wellKnown.Add((k, v));
            }
        }

        bool[] spot = new bool[snapshot.Nodes.Count];
        for (int n = 0; n < spot.Length; n++)
        {
            LabelView labels = snapshot.Nodes.Labels[n];
            foreach ((int key, int value) in wellKnown)
            {
                if (labels.TryGet(key, out int actual) && actual == value)
                {
                    spot[n] = true;
                    break;
                }
            }

            if (!spot[n] && spotNodeSelector is not null && spotNodeSelector.Matches(labels))
            {
                spot[n] = true;
            }
        }

        return spot;
    }

    /// <summary>"0.74" and "0.66", with more digits when two decimals would print the same number for different values.</summary>
    internal static (string Value, string Limit) FormatShare(decimal value, decimal limit)
    {
        string a = value.ToString("0.00", CultureInfo.InvariantCulture);
        string b = limit.ToString("0.00", CultureInfo.InvariantCulture);
        if (a == b && value != limit)
        {
            a = value.ToString("0.0000", CultureInfo.InvariantCulture);
            b = limit.ToString("0.0000", CultureInfo.InvariantCulture);
        }

        return (a, b);
    }

    /// <summary>A workload (controller owner) and where its replicas are.</summary>
    private sealed class Workload(int @namespace, int kind, int name)
    {
        public int Namespace { get; } = @namespace;

        public int Kind { get; } = kind;

        public int Name { get; } = name;

        public int Replicas { get; set; }

        public int OnDemand { get; set; }

        public List<int> SpotPods { get; } = [];
    }

    /// <summary>One run of the plugin: the classification and the running totals it keeps while it plans.</summary>
    private sealed class Pass
    {
        private readonly PlanningContext _context;
        private readonly SpotRatioSettings _settings;
        private readonly ClusterSnapshot _snapshot;
        private readonly int _resource;
        private readonly bool[] _spot;
        private readonly bool[] _considered;
        private readonly bool[] _onDemandTarget;
        private readonly List<int> _spotNodes = [];
        private readonly List<int> _onDemandNodes = [];
        private readonly LabelSelector? _onDemandOnly;
        private readonly Dictionary<int, bool> _pinned = [];
        private readonly Func<int, bool> _allowOnDemand;
        private readonly Func<int, bool> _allowSpot;
        private long _spotSum;
        private long _totalSum;

        // Requests of pods that had to leave spot and found no on-demand room: counted as if moved, so the rules end.
        private long _unplacedSpot;
        private long _shortfallCpu;
        private long _shortfallMemory;
        private int _unplacedPods;
        private bool _stopped;

        public Pass(PlanningContext context, SpotRatioSettings settings)
        {
            _context = context;
            _settings = settings;
            _snapshot = context.Snapshot;
            _resource = settings.Resource == "memory" ? ResourceCatalog.Memory : ResourceCatalog.Cpu;
            _spot = ClassifySpot(_snapshot, settings.SpotNodeSelector?.Compile(_snapshot.Strings));
            _considered = new bool[_snapshot.Nodes.Count];
            _onDemandTarget = new bool[_snapshot.Nodes.Count];
            foreach (int n in context.Nodes)
            {
                _considered[n] = true;
                if (_spot[n])
                {
                    _spotNodes.Add(n);
                }
                else
                {
                    _onDemandNodes.Add(n);
                    _onDemandTarget[n] = true;
                }
            }

            _onDemandOnly = settings.OnDemandOnlySelector?.Compile(_snapshot.Strings);
            _allowOnDemand = n => _onDemandTarget[n];
            _allowSpot = n => _considered[n] && _spot[n];
        }

        private string ResourceName => _settings.Resource;

        public void Execute()
        {
            PodTable pods = _snapshot.Pods;
            (decimal fractionBefore, _, _) = Share(_context.Projection.Initial);
            List<OnDemandShortfall> belowBefore = BelowFloor(Workloads(p => pods.IsActive(p) ? pods.Node[p] : -1));

            (_, _spotSum, _totalSum) = Share(_context.Projection.Requested);
            if (_spotNodes.Count == 0)
            {
                _context.Note($"no spot nodes among the {_context.Nodes.Count} considered nodes (well-known capacity-type labels{(_settings.SpotNodeSelector is null ? string.Empty : ", spotNodeSelector " + _settings.SpotNodeSelector)}): nothing to do");
            }
            else
            {
                bool acted = MoveOnDemandOnlyPods();
                acted |= LiftFloors();
                acted |= LowerShare();
                if (_settings.PreferSpot && !_stopped && _unplacedPods == 0)
                {
                    acted |= PreferSpot();
                }

                if (!acted)
                {
                    (string share, string limit) = FormatShare(Fraction(_spotSum, _totalSum), _settings.MaxSpotFraction);
                    _context.Note($"spot share {share} <= {limit} of requested {ResourceName}, every workload meets its on-demand floor and no onDemandOnly pod runs on spot: nothing to do");
                }
            }

            (decimal fractionAfter, long spotAfter, long totalAfter) = Share(_context.Projection.Requested);
            List<OnDemandShortfall> belowAfter = BelowFloor(Workloads(_context.Projection.NodeOf));
            if (_unplacedPods > 0)
            {
                _context.Warn($"on-demand capacity is short by {Units.FormatCpu(_shortfallCpu)} cpu and {Units.FormatBytes(_shortfallMemory)} memory: "
                    + $"{_unplacedPods} pod(s) that must leave spot found no room on on-demand nodes (SpotRatio cannot add nodes; add on-demand capacity)");
            }
            else if (_spotNodes.Count > 0 && !_stopped && fractionAfter > _settings.MaxSpotFraction)
            {
                (string share, string limit) = FormatShare(fractionAfter, _settings.MaxSpotFraction);
                _context.Warn($"spot share stays {share} > {limit} of requested {ResourceName} ({Format(spotAfter)} of {Format(totalAfter)}): the pods left on spot are protected, not evictable or pinned to spot");
            }

            _context.Spot = new SpotSummary(ResourceName, _settings.MaxSpotFraction, fractionBefore, fractionAfter, belowBefore, belowAfter, _shortfallCpu, _shortfallMemory);
        }

        /// <summary>Rule 1: pods matching onDemandOnlySelector leave spot.</summary>
        private bool MoveOnDemandOnlyPods()
        {
            if (_onDemandOnly is null)
            {
                return false;
            }

            bool acted = false;
            var pods = new List<int>();
            var onNode = new List<int>();
            foreach (int node in _spotNodes)
            {
                _context.Projection.PodsOn(node, onNode);
                foreach (int pod in onNode)
                {
                    if (_onDemandOnly.Matches(_snapshot.Pods.Labels[pod]) && Evictable(pod))
                    {
                        pods.Add(pod);
                    }
                }
            }

            SortLargestFirst(pods);
            foreach (int pod in pods)
            {
                if (_stopped)
                {
                    break;
                }

                string node = _snapshot.Nodes.Name[_context.Projection.NodeOf(pod)];
                acted = true;
                Move(pod, $"pod matches onDemandOnlySelector {_settings.OnDemandOnlySelector} and runs on spot node {node}");
            }

            return acted;
        }

        /// <summary>Rule 2: every workload with 2 or more replicas keeps minOnDemandReplicas of them on on-demand nodes.</summary>
        private bool LiftFloors()
        {
            if (_settings.MinOnDemandReplicas <= 0)
            {
                return false;
            }

            bool acted = false;
            foreach (Workload workload in Workloads(_context.Projection.NodeOf))
            {
                int floor = Floor(workload);
                if (floor == 0 || workload.OnDemand >= floor)
                {
                    continue;
                }

                acted = true;
                List<int> candidates = workload.SpotPods.Where(Evictable).ToList();
                SortLargestFirst(candidates);
                int lifted = workload.OnDemand;
                foreach (int pod in candidates)
                {
                    if (_stopped || lifted >= floor)
                    {
                        break;
                    }

                    string reason = $"{Describe(workload)} has {lifted} of {workload.Replicas} replicas on on-demand, floor {floor}";
                    if (Move(pod, reason) != MoveResult.NotMoved)
                    {
                        lifted++;
                    }
                }
            }

            return acted;
        }

        /// <summary>Rule 3: the share of requests on spot nodes comes down to maxSpotFraction, largest pods first.</summary>
        private bool LowerShare()
        {
            if (!OverLimit())
            {
                return false;
            }

            var candidates = new List<int>();
            var onNode = new List<int>();
            foreach (int node in _spotNodes)
            {
                _context.Projection.PodsOn(node, onNode);
                foreach (int pod in onNode)
                {
                    if (_snapshot.Pods.RequestsOf(pod)[_resource] > 0 && Evictable(pod) && _context.Filter(pod) is null)
                    {
                        candidates.Add(pod);
                    }
                }
            }

            SortLargestFirst(candidates);
            foreach (int pod in candidates)
            {
                if (_stopped || !OverLimit())
                {
                    break;
                }

                long spot = _spotSum - _unplacedSpot;
                (string share, string limit) = FormatShare(Fraction(spot, _totalSum), _settings.MaxSpotFraction);
                Move(pod, $"spot share {share} > {limit} ({Format(spot)} of {Format(_totalSum)} requested {ResourceName} on spot)");
            }

            return true;
        }

        /// <summary>
        /// Reverse mode: while the share is below the limit, empty on-demand nodes (smallest first) onto spot, when every
        /// pod of the node may move (not protected, not onDemandOnly, its workload keeps its floor) and a first-fit
        /// simulation finds room for all of them on spot within the remaining share.
        /// </summary>
        private bool PreferSpot()
        {
            Projection projection = _context.Projection;
            decimal budgetDecimal = (_settings.MaxSpotFraction * _totalSum) - _spotSum;
            if (budgetDecimal <= 0)
            {
                return false;
            }

            long budget = (long)decimal.Floor(budgetDecimal);
            var fitter = new CapacityFitter(_snapshot, _spotNodes, projection.Requested, _context.StaticFit);
            var workloads = new Dictionary<(int, int, int), Workload>();
            foreach (Workload w in Workloads(projection.NodeOf))
            {
                workloads[(w.Namespace, w.Kind, w.Name)] = w;
            }

            List<int> nodes = [.. _onDemandNodes];
            nodes.Sort((a, b) =>
            {
                int c = projection.RequestedOn(a)[_resource].CompareTo(projection.RequestedOn(b)[_resource]);
                return c != 0 ? c : a.CompareTo(b);
            });

            bool acted = false;
            var onNode = new List<int>();
            var placed = new List<(int Pod, int Target)>();
            foreach (int node in nodes)
            {
                if (_stopped)
                {
                    break;
                }

                projection.PodsOn(node, onNode);
                onNode.RemoveAll(DiesWithNode);
                if (onNode.Count == 0 || !CanLeave(onNode, workloads, budget))
                {
                    continue;
                }

                // Simulate first: a node is only worth emptying whole.
                onNode.Sort((a, b) =>
                {
                    int c = _snapshot.Pods.RequestsOf(b)[ResourceCatalog.Cpu].CompareTo(_snapshot.Pods.RequestsOf(a)[ResourceCatalog.Cpu]);
                    return c != 0 ? c : a.CompareTo(b);
                });
                placed.Clear();
                foreach (int pod in onNode)
                {
                    int target = fitter.Place(pod);
                    if (target < 0)
                    {
                        break;
                    }

                    placed.Add((pod, target));
                }

                foreach ((int pod, int target) in placed)
                {
                    fitter.Adjust(target, _snapshot.Pods.RequestsOf(pod), +1);
                }

                if (placed.Count < onNode.Count)
                {
                    continue;
                }

                (string share, string limit) = FormatShare(Fraction(_spotSum, _totalSum), _settings.MaxSpotFraction);
                string reason = $"preferSpot: spot share {share} < {limit} of requested {ResourceName}; emptying on-demand node {_snapshot.Nodes.Name[node]} ({onNode.Count} pod(s)) onto spot";

                // All of the node's pods or none: a half-emptied node saves nothing.
                PlanMark mark = _context.Mark();
                string? failure = null;
                foreach (int pod in onNode)
                {
                    EvictResult result = _context.TryEvict(pod, reason, _allowSpot);
                    if (result != EvictResult.Evicted)
                    {
                        failure = _context.Skipped.Count > mark.Skips
                            ? $"{_snapshot.PodKey(pod)}: {_context.Skipped[^1].Reason} ({_context.Skipped[^1].Detail})"
                            : $"{_snapshot.PodKey(pod)}: {result}";
                        _stopped = result == EvictResult.TotalLimitReached;
                        break;
                    }
                }

                if (failure is not null)
                {
                    _context.RollbackTo(mark);
                    _context.Note($"preferSpot: on-demand node {_snapshot.Nodes.Name[node]} left as it is: {failure}");
                    continue;
                }

                acted = true;
                foreach (int pod in onNode)
                {
                    long amount = _snapshot.Pods.RequestsOf(pod)[_resource];
                    _spotSum += amount;
                    budget -= amount;
                    if (Key(pod) is { } key && workloads.TryGetValue(key, out Workload? w))
                    {
                        w.OnDemand--;
                    }

                    int target = projection.NodeOf(pod);
                    fitter.Reset(target, projection.RequestedOn(target));
                }

                if (budget <= 0)
                {
                    break;
                }
            }

            return acted;
        }

        /// <summary>Whether every pod of an on-demand node may move to spot, and what that costs of the share.</summary>
        private bool CanLeave(List<int> pods, Dictionary<(int, int, int), Workload> workloads, long budget)
        {
            long moving = 0;
            var leaving = new Dictionary<(int, int, int), int>();
            foreach (int pod in pods)
            {
                if (_context.Filter(pod) is not null || !Evictable(pod) || (_onDemandOnly is not null && _onDemandOnly.Matches(_snapshot.Pods.Labels[pod])))
                {
                    return false;
                }

                moving += _snapshot.Pods.RequestsOf(pod)[_resource];
                if (Key(pod) is { } key)
                {
                    leaving[key] = leaving.GetValueOrDefault(key) + 1;
                }
            }

            foreach (((int, int, int) key, int count) in leaving)
            {
                if (workloads.TryGetValue(key, out Workload? w) && w.OnDemand - count < Floor(w))
                {
                    return false;
                }
            }

            return moving <= budget;
        }

        private enum MoveResult
        {
            NotMoved,
            Moved,

            /// <summary>No on-demand room: counted as a shortfall, as if moved.</summary>
            NoRoom,
        }

        /// <summary>Plans the move of a spot pod to on-demand capacity; a pod with no room is counted as shortfall.</summary>
        private MoveResult Move(int pod, string reason)
        {
            long amount = _snapshot.Pods.RequestsOf(pod)[_resource];
            if (PinnedToSpot(pod))
            {
                (string detail, FitVerdict? fit) = PinnedDetail(pod);
                _context.Skip(pod, SkipReasons.NodeFit, detail, fit);
                return MoveResult.NotMoved;
            }

            int skips = _context.Skipped.Count;
            EvictResult result = _context.TryEvict(pod, reason, _allowOnDemand);
            switch (result)
            {
                case EvictResult.Evicted:
                    _spotSum -= amount;
                    return MoveResult.Moved;
                case EvictResult.TotalLimitReached:
                    _stopped = true;
                    return MoveResult.NotMoved;
                case EvictResult.Skipped when _context.Skipped.Count > skips && _context.Skipped[^1].Reason == SkipReasons.NodeFit:
                    ReadOnlySpan<long> requests = _snapshot.Pods.RequestsOf(pod);
                    _unplacedSpot += amount;
                    _shortfallCpu += requests[ResourceCatalog.Cpu];
                    _shortfallMemory += requests[ResourceCatalog.Memory];
                    _unplacedPods++;
                    return MoveResult.NoRoom;
                default:
                    return MoveResult.NotMoved;
            }
        }

        private bool OverLimit() => _totalSum > 0 && _spotSum - _unplacedSpot > _settings.MaxSpotFraction * _totalSum;

        /// <summary>
        /// The pod's own constraints (nodeSelector, required node affinity, tolerations) allow no considered on-demand node:
        /// more on-demand capacity of the same kind would not help, so it is not a shortfall. Cordons are not the pod's
        /// doing and do not pin it.
        /// </summary>
        private bool PinnedToSpot(int pod)
        {
            int constraintsId = _snapshot.Pods.Constraints[pod];
            if (_pinned.TryGetValue(constraintsId, out bool pinned))
            {
                return pinned;
            }

            PodConstraints constraints = _snapshot.ConstraintSets[constraintsId];
            pinned = true;
            foreach (int node in _onDemandNodes)
            {
                if (Predicates.MatchesNodeSelector(_snapshot, constraints, node)
                    && Predicates.ToleratesTaints(_snapshot.Nodes.TaintsOf(node), constraints.Tolerations, noSchedule: true, noExecute: true, preferNoSchedule: false, out _))
                {
                    pinned = false;
                    break;
                }
            }

            _pinned[constraintsId] = pinned;
            return pinned;
        }

        /// <summary>The pinned-to-spot skip, naming the first on-demand node and the static predicate it fails.</summary>
        private (string Detail, FitVerdict? Fit) PinnedDetail(int pod)
        {
            const string Pinned = "its nodeSelector, required node affinity or tolerations allow no on-demand node: it is pinned to spot";
            if (_onDemandNodes.Count == 0)
            {
                return (Pinned + " (no considered node is on-demand)", null);
            }

            int node = _onDemandNodes[0];
            FitFailure predicate = Predicates.MatchesNodeSelector(_snapshot, _snapshot.ConstraintsOf(pod), node) ? FitFailure.Taint : FitFailure.NodeSelector;
            return ($"{Pinned}; {_snapshot.Nodes.Name[node]}: {_context.Targets.Describe(pod, node, predicate)}", new FitVerdict(node, predicate));
        }

        private bool Evictable(int pod) => _settings.EvictableNamespaces.Allows(_snapshot.Strings[_snapshot.Pods.Namespace[pod]]);

        private bool DiesWithNode(int pod) => (_snapshot.Pods.Flags[pod] & (PodFlags.DaemonSetOwned | PodFlags.Mirror | PodFlags.Static)) != 0;

        private int Floor(Workload workload) => workload.Replicas < 2 ? 0 : Math.Min(_settings.MinOnDemandReplicas, workload.Replicas);

        /// <summary>Largest request of the measured resource first, then the other one, ties by pod index.</summary>
        private void SortLargestFirst(List<int> pods)
        {
            int other = _resource == ResourceCatalog.Cpu ? ResourceCatalog.Memory : ResourceCatalog.Cpu;
            pods.Sort((a, b) =>
            {
                ReadOnlySpan<long> ra = _snapshot.Pods.RequestsOf(a);
                ReadOnlySpan<long> rb = _snapshot.Pods.RequestsOf(b);
                int c = rb[_resource].CompareTo(ra[_resource]);
                if (c == 0)
                {
                    c = rb[other].CompareTo(ra[other]);
                }

                return c != 0 ? c : a.CompareTo(b);
            });
        }

        /// <summary>The spot share of requests on the considered nodes (rounded to 4 places), and the spot and total sums.</summary>
        private (decimal Fraction, long Spot, long Total) Share(long[] requested)
        {
            int stride = _snapshot.Resources.Count;
            long spot = 0;
            long total = 0;
            foreach (int node in _context.Nodes)
            {
                long amount = requested[(node * stride) + _resource];
                total += amount;
                if (_spot[node])
                {
                    spot += amount;
                }
            }

            return (Fraction(spot, total), spot, total);
        }

        private static decimal Fraction(long spot, long total) =>
            total <= 0 ? 0m : Math.Round((decimal)spot / total, 4, MidpointRounding.AwayFromZero);

        /// <summary>Workloads (controller owners other than DaemonSets and nodes) by namespace, kind and name, with their replicas on considered nodes.</summary>
        private List<Workload> Workloads(Func<int, int> podNode)
        {
            // The pod → workload mapping and the workloads' order never change: computed once, the plugin asks four times.
            (int[] workloadOf, (int Namespace, int Kind, int Name)[] keys) = _workloadIndex ??= IndexWorkloads();
            var byRank = new Workload?[keys.Length];
            PodTable pods = _snapshot.Pods;
            for (int p = 0; p < pods.Count; p++)
            {
                int rank = workloadOf[p];
                if (rank < 0)
                {
                    continue;
                }

                int node = podNode(p);
                if (node < 0 || !_considered[node] || DiesWithNode(p))
                {
                    continue;
                }

                Workload workload = byRank[rank] ??= new Workload(keys[rank].Namespace, keys[rank].Kind, keys[rank].Name);
                workload.Replicas++;
                if (_spot[node])
                {
                    workload.SpotPods.Add(p);
                }
                else
                {
                    workload.OnDemand++;
                }
            }

            var result = new List<Workload>();
            foreach (Workload? workload in byRank)
            {
                if (workload is not null)
                {
                    result.Add(workload);
                }
            }

            return result;
        }

        private (int[] WorkloadOf, (int Namespace, int Kind, int Name)[] Keys)? _workloadIndex;

        /// <summary>Each pod's workload as a rank in (namespace, kind, name) string order, or -1.</summary>
        private (int[] WorkloadOf, (int Namespace, int Kind, int Name)[] Keys) IndexWorkloads()
        {
            PodTable pods = _snapshot.Pods;
            var ids = new Dictionary<(int, int, int), int>();
            var keys = new List<(int Namespace, int Kind, int Name)>();
            int[] workloadOf = new int[pods.Count];
            for (int p = 0; p < pods.Count; p++)
            {
                if (Key(p) is not { } key)
                {
                    workloadOf[p] = -1;
                    continue;
                }

                if (!ids.TryGetValue(key, out int id))
                {
                    ids[key] = id = keys.Count;
                    keys.Add(key);
                }

                workloadOf[p] = id;
            }

            StringTable strings = _snapshot.Strings;
            int[] order = [.. Enumerable.Range(0, keys.Count)];
            Array.Sort(order, (a, b) =>
            {
                int c = string.CompareOrdinal(strings[keys[a].Namespace], strings[keys[b].Namespace]);
                if (c == 0)
                {
                    c = string.CompareOrdinal(strings[keys[a].Kind], strings[keys[b].Kind]);
                }

                return c != 0 ? c : string.CompareOrdinal(strings[keys[a].Name], strings[keys[b].Name]);
            });
            int[] rankOf = new int[keys.Count];
            var sorted = new (int, int, int)[keys.Count];
            for (int rank = 0; rank < order.Length; rank++)
            {
                rankOf[order[rank]] = rank;
                sorted[rank] = keys[order[rank]];
            }

            for (int p = 0; p < workloadOf.Length; p++)
            {
                if (workloadOf[p] >= 0)
                {
                    workloadOf[p] = rankOf[workloadOf[p]];
                }
            }

            return (workloadOf, sorted);
        }

        private (int, int, int)? Key(int pod)
        {
            if (!_snapshot.Pods.TryGetController(pod, out OwnerRef owner))
            {
                return null;
            }

            // Interned ids compare as the strings do.
            return owner.Kind == _snapshot.Strings.Find("DaemonSet") || owner.Kind == _snapshot.Strings.Find("Node")
                ? null
                : (_snapshot.Pods.Namespace[pod], owner.Kind, owner.Name);
        }

        private List<OnDemandShortfall> BelowFloor(List<Workload> workloads)
        {
            var result = new List<OnDemandShortfall>();
            foreach (Workload w in workloads)
            {
                int floor = Floor(w);
                if (w.OnDemand < floor)
                {
                    result.Add(new OnDemandShortfall(w.Namespace, w.Kind, w.Name, w.Replicas, w.OnDemand, floor));
                }
            }

            return result;
        }

        private string Describe(Workload w) => $"{_snapshot.Strings[w.Namespace]}/{_snapshot.Strings[w.Kind]} {_snapshot.Strings[w.Name]}";

        private string Format(long amount) => Units.Format(_resource, amount);
    }
}
