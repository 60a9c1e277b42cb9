using Rebalancer.Core.Model;

namespace Rebalancer.Core.Planning;

/// <summary>
/// N-1 headroom: would every pod still fit if the largest node failed, or any one zone? The failed nodes' pods are
/// re-fitted onto the free capacity of the other nodes, first-fit-decreasing (pods by cpu, then memory, descending;
/// nodes in index order), against every resource, cordons and the static predicates (nodeSelector, required node
/// affinity, NoSchedule/NoExecute taints). DaemonSet, mirror and static pods are not re-fitted: they die with their node.
/// Pod (anti-)affinity and topology spread are not modelled: the verdict is about capacity.
/// Every zone is evaluated, not only the largest: which zone is largest can change with the plan (Consolidation drains
/// nodes of one zone), and comparing "the largest zone" before and after would compare two different zones. A report
/// compares each zone with itself, and the verdict names the worst.
/// </summary>
public static class Headroom
{
    /// <summary>The well-known zone label (topology.kubernetes.io/zone).</summary>
    public const string ZoneLabel = "topology.kubernetes.io/zone";

    private static readonly IReadOnlyDictionary<string, long> NoShortfall = new Dictionary<string, long>(StringComparer.Ordinal);

    /// <summary>Evaluates the N-1 verdict of one cluster state given each pod's node (one pass over the pods).</summary>
    /// <param name="nodes">The nodes that count (the planner's considered nodes): candidates to fail and targets to re-fit onto.</param>
    /// <param name="podNode">The (projected) node of a pod, or -1 when it runs nowhere.</param>
    /// <param name="requested">Requested resources per node, row-major with stride = resource count.</param>
    public static HeadroomVerdict Evaluate(ClusterSnapshot snapshot, IReadOnlyList<int> nodes, Func<int, int> podNode, long[] requested)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(podNode);

        // Group the pods by node once (counting sort), so the evaluation below reads only the failed nodes' pods.
        int nodeCount = snapshot.Nodes.Count;
        int[] start = new int[nodeCount + 1];
        int podCount = snapshot.Pods.Count;
        for (int p = 0; p < podCount; p++)
        {
            int n = podNode(p);
            if (n >= 0)
            {
                start[n + 1]++;
            }
        }

        for (int n = 0; n < nodeCount; n++)
        {
            start[n + 1] += start[n];
        }

        int[] byNode = new int[start[nodeCount]];
        int[] fill = (int[])start.Clone();
        for (int p = 0; p < podCount; p++)
        {
            int n = podNode(p);
            if (n >= 0)
            {
                byNode[fill[n]++] = p;
            }
        }

        return Evaluate(
            snapshot,
            nodes,
            (node, into) =>
            {
                into.Clear();
                into.AddRange(byNode.AsSpan(start[node], start[node + 1] - start[node]));
            },
            requested,
            new HeadroomOptions());
    }

    /// <summary>Evaluates the N-1 verdict of one cluster state.</summary>
    /// <param name="nodes">The nodes that count (the planner's considered nodes): candidates to fail and targets to re-fit onto.</param>
    /// <param name="podsOn">The pods running on a node in the state evaluated (e.g. <see cref="Projection.PodsOn"/>).</param>
    /// <param name="requested">Requested resources per node, row-major with stride = resource count.</param>
    public static HeadroomVerdict Evaluate(ClusterSnapshot snapshot, IReadOnlyList<int> nodes, PodsOnNode podsOn, long[] requested, HeadroomOptions options)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(podsOn);
        ArgumentNullException.ThrowIfNull(requested);
        ArgumentNullException.ThrowIfNull(options);
        if (nodes.Count == 0)
        {
            return new HeadroomVerdict(true, -1, NoShortfall, null, null, NoShortfall);
        }

        NodeTable table = snapshot.Nodes;
        int largest = -1;
        foreach (int n in nodes)
        {
            if (largest < 0 || IsLarger(table, n, largest))
            {
                largest = n;
            }
        }

        StaticFitIndex staticFit = options.StaticFit ?? new StaticFitIndex(snapshot);
        var scratch = new List<int>();
        var onNode = new List<int>();
        CollectMortal(snapshot, largest, podsOn, scratch, onNode);
        IReadOnlyDictionary<string, long> nodeShortfall = Refit(snapshot, nodes.Where(n => n != largest), onNode, requested, staticFit);

        // Zones: every node of the list with the label, each lost in turn.
        int zoneKey = options.IncludeZone ? snapshot.Strings.Find(ZoneLabel) : -1;
        var zoneSize = new Dictionary<int, (long Cpu, long Memory)>();
        if (zoneKey >= 0)
        {
            foreach (int n in nodes)
            {
                if (table.Labels[n].TryGet(zoneKey, out int zone))
                {
                    (long cpu, long memory) = zoneSize.GetValueOrDefault(zone);
                    ReadOnlySpan<long> allocatable = table.AllocatableOf(n);
                    zoneSize[zone] = (cpu + allocatable[ResourceCatalog.Cpu], memory + allocatable[ResourceCatalog.Memory]);
                }
            }
        }

        if (zoneSize.Count == 0)
        {
            return new HeadroomVerdict(nodeShortfall.Count == 0, largest, nodeShortfall, null, null, NoShortfall);
        }

        var zones = new List<ZoneLoss>(zoneSize.Count);
        ZoneLoss? worst = null;
        (long Cpu, long Memory) worstSize = default;
        foreach (int zone in zoneSize.Keys.OrderBy(z => snapshot.Strings[z], StringComparer.Ordinal))
        {
            bool InZone(int n) => table.Labels[n].TryGet(zoneKey, out int z) && z == zone;
            var inZone = new List<int>();
            foreach (int n in nodes)
            {
                if (InZone(n))
                {
                    CollectMortal(snapshot, n, podsOn, scratch, inZone);
                }
            }

            IReadOnlyDictionary<string, long> shortfall = Refit(snapshot, nodes.Where(n => !InZone(n)), inZone, requested, staticFit);
            var loss = new ZoneLoss(snapshot.Strings[zone], shortfall.Count == 0, shortfall);
            zones.Add(loss);
            if (worst is null || IsWorse(snapshot, loss, zoneSize[zone], worst, worstSize))
            {
                worst = loss;
                worstSize = zoneSize[zone];
            }
        }

        return new HeadroomVerdict(nodeShortfall.Count == 0, largest, nodeShortfall, zones.TrueForAll(z => z.Survivable), worst!.Zone, worst.Shortfall)
        {
            Zones = zones,
        };
    }

    /// <summary>
    /// The worse of two zone losses: one with a shortfall before one without; then the larger shortfall, resource by
    /// resource in catalogue order (cpu, memory, pods, …). Zones arrive in name order and an equal shortfall keeps the
    /// first name, so the same zone is named before and after a plan that changes zone sizes but not the shortfall.
    /// When every zone survives, the worst is the largest (allocatable cpu, then memory).
    /// </summary>
    private static bool IsWorse(ClusterSnapshot snapshot, ZoneLoss candidate, (long Cpu, long Memory) candidateSize, ZoneLoss current, (long Cpu, long Memory) currentSize)
    {
        if (candidate.Survivable != current.Survivable)
        {
            return !candidate.Survivable;
        }

        for (int r = 0; r < snapshot.Resources.Count; r++)
        {
            long a = candidate.Shortfall.GetValueOrDefault(snapshot.Resources[r]);
            long b = current.Shortfall.GetValueOrDefault(snapshot.Resources[r]);
            if (a != b)
            {
                return a > b;
            }
        }

        return candidate.Survivable
            && (candidateSize.Cpu != currentSize.Cpu ? candidateSize.Cpu > currentSize.Cpu : candidateSize.Memory > currentSize.Memory);
    }

    /// <summary>Adds the node's pods that must be re-fitted elsewhere: DaemonSet, mirror and static pods die with their node.</summary>
    private static void CollectMortal(ClusterSnapshot snapshot, int node, PodsOnNode podsOn, List<int> scratch, List<int> into)
    {
        PodTable pods = snapshot.Pods;
        podsOn(node, scratch);
        foreach (int p in scratch)
        {
            if (pods.IsActive(p) && (pods.Flags[p] & (PodFlags.DaemonSetOwned | PodFlags.Mirror | PodFlags.Static)) == 0)
            {
                into.Add(p);
            }
        }
    }

    /// <summary>Largest by allocatable cpu, then memory; on a tie the lower index stays.</summary>
    private static bool IsLarger(NodeTable table, int candidate, int current)
    {
        ReadOnlySpan<long> a = table.AllocatableOf(candidate);
        ReadOnlySpan<long> b = table.AllocatableOf(current);
        if (a[ResourceCatalog.Cpu] != b[ResourceCatalog.Cpu])
        {
            return a[ResourceCatalog.Cpu] > b[ResourceCatalog.Cpu];
        }

        if (a[ResourceCatalog.Memory] != b[ResourceCatalog.Memory])
        {
            return a[ResourceCatalog.Memory] > b[ResourceCatalog.Memory];
        }

        return candidate < current;
    }

    /// <summary>First-fit-decreasing of <paramref name="pods"/> onto <paramref name="targets"/>; the requests of the pods left over, per resource.</summary>
    private static IReadOnlyDictionary<string, long> Refit(ClusterSnapshot snapshot, IEnumerable<int> targets, List<int> pods, long[] requested, StaticFitIndex staticFit)
    {
        if (pods.Count == 0)
        {
            return NoShortfall;
        }

        // Identical pods (same static predicates, same requests: the replicas of a workload) form one group, and the
        // groups are sorted first-fit-decreasing (cpu, then memory, descending; then predicate set and first pod) and
        // placed a group at a time. Sorting tens of thousands of pods of a failed zone individually cost more than the fit.
        PodTable table = snapshot.Pods;
        var chains = new Dictionary<(int Row, long Cpu, long Memory), List<int>>();
        var keys = new List<FitOrder>();
        var members = new List<List<int>>();
        foreach (int pod in pods)
        {
            ReadOnlySpan<long> requests = table.RequestsOf(pod);
            int row = staticFit.RowOf(table.Constraints[pod]);
            var chainKey = (row, requests[ResourceCatalog.Cpu], requests[ResourceCatalog.Memory]);
            if (!chains.TryGetValue(chainKey, out List<int>? chain))
            {
                chains[chainKey] = chain = [];
            }

            int group = -1;
            foreach (int candidate in chain)
            {
                if (table.RequestsOf(members[candidate][0]).SequenceEqual(requests))
                {
                    group = candidate;
                    break;
                }
            }

            if (group < 0)
            {
                group = members.Count;
                chain.Add(group);
                members.Add([]);
                keys.Add(new FitOrder(requests[ResourceCatalog.Cpu], requests[ResourceCatalog.Memory], row, members.Count - 1));
            }

            members[group].Add(pod);
        }

        FitOrder[] order = [.. keys];
        Array.Sort(order, (x, y) =>
        {
            // FitOrder's order with the group's first pod in place of the group index.
            int c = new FitOrder(x.Cpu, x.Memory, x.Row, members[x.Pod][0]).CompareTo(new FitOrder(y.Cpu, y.Memory, y.Row, members[y.Pod][0]));
            return c;
        });

        var fitter = new CapacityFitter(snapshot, targets, requested, staticFit);
        long[]? missing = null;
        foreach (FitOrder key in order)
        {
            List<int> group = members[key.Pod];
            int placed = fitter.PlaceIdentical(group[0], group.Count);
            if (placed < group.Count)
            {
                missing ??= new long[snapshot.Resources.Count];
                ReadOnlySpan<long> requests = table.RequestsOf(group[0]);
                for (int r = 0; r < missing.Length; r++)
                {
                    missing[r] += requests[r] * (group.Count - placed);
                }
            }
        }

        if (missing is null)
        {
            return NoShortfall;
        }

        // Inserted in resource-catalog order (cpu, memory, pods, ephemeral-storage, extended), non-zero amounts only.
        var shortfall = new Dictionary<string, long>(StringComparer.Ordinal);
        for (int r = 0; r < missing.Length; r++)
        {
            if (missing[r] != 0)
            {
                shortfall[snapshot.Resources[r]] = missing[r];
            }
        }

        return shortfall;
    }
}

/// <summary>The pods running on a node in the state being evaluated, into <c>into</c> (cleared first).</summary>
public delegate void PodsOnNode(int node, List<int> into);

/// <summary>What <see cref="Headroom.Evaluate(ClusterSnapshot, IReadOnlyList{int}, PodsOnNode, long[], HeadroomOptions)"/> checks.</summary>
/// <param name="IncludeZone">Also evaluate the loss of each zone (Consolidation's guard needs only the node).</param>
/// <param name="StaticFit">The planner's static predicates, so they are not evaluated again.</param>
public sealed record HeadroomOptions(bool IncludeZone = true, StaticFitIndex? StaticFit = null);

/// <summary>First-fit-decreasing order: cpu, then memory, descending; ties by static predicate set (so replicas sit together), then pod index.</summary>
internal readonly record struct FitOrder(long Cpu, long Memory, int Row, int Pod) : IComparable<FitOrder>
{
    public int CompareTo(FitOrder other)
    {
        int c = other.Cpu.CompareTo(Cpu);
        if (c == 0)
        {
            c = other.Memory.CompareTo(Memory);
        }

        if (c == 0)
        {
            c = Row.CompareTo(other.Row);
        }

        return c != 0 ? c : Pod.CompareTo(other.Pod);
    }
}

/// <summary>
/// Free capacity of a set of target nodes, indexed for first-fit queries. The static predicates (cordon, nodeSelector /
/// required node affinity, NoSchedule/NoExecute taints) are evaluated once per distinct (tolerations, nodeSelector,
/// affinity) set, which gives the nodes that set may use. A set allowed on many nodes gets a segment tree over them (in
/// node index order) holding the maximum free cpu, memory and pod slots of each range, so finding the first node with
/// room descends the tree instead of scanning nodes; a set allowed on few nodes scans its short list. A node's capacity
/// change updates every tree that holds the node.
/// </summary>
internal sealed class CapacityFitter
{
    /// <summary>Constraint sets feasible on fewer than 1/<c>SparseRatio</c> of the targets scan their own node list.</summary>
    private const int SparseRatio = 32;

    private readonly ClusterSnapshot _snapshot;
    private readonly int _resources;
    private readonly int[] _nodes;
    private readonly int[] _positionOf;
    private readonly long[] _free;
    private readonly List<RangeMaxTree> _trees = [];
    private readonly Dictionary<int, Feasibility> _byConstraints = [];
    private readonly Dictionary<int, Feasibility> _byRow = [];
    private readonly StaticFitIndex _staticFit;

    /// <param name="targets">Candidate nodes; cordoned ones are dropped. First fit follows node index order.</param>
    /// <param name="requested">Requested resources per node (row-major); free = allocatable - requested.</param>
    /// <param name="staticFit">The static predicates, shared when the caller already has them (they are costly at scale).</param>
    public CapacityFitter(ClusterSnapshot snapshot, IEnumerable<int> targets, long[] requested, StaticFitIndex? staticFit = null)
    {
        _snapshot = snapshot;
        _staticFit = staticFit ?? new StaticFitIndex(snapshot);
        _resources = snapshot.Resources.Count;
        _positionOf = new int[snapshot.Nodes.Count];
        Array.Fill(_positionOf, -1);
        int count = 0;
        foreach (int node in targets)
        {
            if (_positionOf[node] < 0 && !snapshot.Nodes.IsUnschedulable(node))
            {
                _positionOf[node] = 0;
                count++;
            }
        }

        _nodes = new int[count];
        for (int node = 0, i = 0; node < _positionOf.Length; node++)
        {
            if (_positionOf[node] >= 0)
            {
                _positionOf[node] = i;
                _nodes[i++] = node;
            }
        }

        _free = new long[_nodes.Length * _resources];
        for (int i = 0; i < _nodes.Length; i++)
        {
            int node = _nodes[i];
            ReadOnlySpan<long> allocatable = snapshot.Nodes.AllocatableOf(node);
            for (int r = 0; r < _resources; r++)
            {
                _free[(i * _resources) + r] = allocatable[r] - requested[(node * _resources) + r];
            }
        }
    }

    /// <summary>Finds the first target where the pod fits and takes its requests from that node's free capacity; -1 when none fits.</summary>
    public int Place(int pod)
    {
        int position = FindPosition(pod);
        if (position < 0)
        {
            return -1;
        }

        AdjustAt(position, _snapshot.Pods.RequestsOf(pod), -1);
        return _nodes[position];
    }

    /// <summary>Gives back (<paramref name="sign"/> +1) or takes (-1) <paramref name="amounts"/> on a target node; ignored for other nodes.</summary>
    public void Adjust(int node, ReadOnlySpan<long> amounts, int sign)
    {
        int position = _positionOf[node];
        if (position >= 0)
        {
            AdjustAt(position, amounts, sign);
        }
    }

    /// <summary>Resets a target node's free capacity to allocatable minus <paramref name="used"/> (e.g. from the projection).</summary>
    public void Reset(int node, ReadOnlySpan<long> used)
    {
        int position = _positionOf[node];
        if (position < 0)
        {
            return;
        }

        ReadOnlySpan<long> allocatable = _snapshot.Nodes.AllocatableOf(node);
        for (int r = 0; r < _resources; r++)
        {
            _free[(position * _resources) + r] = allocatable[r] - used[r];
        }

        Update(position);
    }

    private void AdjustAt(int position, ReadOnlySpan<long> amounts, int sign)
    {
        for (int r = 0; r < _resources; r++)
        {
            _free[(position * _resources) + r] += sign * amounts[r];
        }

        Update(position);
    }

    private void Update(int position)
    {
        int row = position * _resources;
        foreach (RangeMaxTree tree in _trees)
        {
            tree.Set(position, _free[row + ResourceCatalog.Cpu], _free[row + ResourceCatalog.Memory], _free[row + ResourceCatalog.Pods]);
        }
    }

    private int FindPosition(int pod)
    {
        int from = 0;
        return FindPosition(FeasibilityOf(pod), _snapshot.Pods.RequestsOf(pod), ref from);
    }

    /// <summary>
    /// Places up to <paramref name="count"/> pods identical to <paramref name="pod"/> (same requests, same static
    /// predicates) exactly as that many <see cref="Place"/> calls would, but filling each node it finds with as many as fit:
    /// the nodes before it did not fit one such pod and have not changed since, so first fit resumes after it.
    /// </summary>
    /// <returns>How many were placed.</returns>
    public int PlaceIdentical(int pod, int count)
    {
        Feasibility feasible = FeasibilityOf(pod);
        ReadOnlySpan<long> requests = _snapshot.Pods.RequestsOf(pod);
        int placed = 0;
        int from = 0;
        while (placed < count)
        {
            int position = FindPosition(feasible, requests, ref from);
            if (position < 0)
            {
                break;
            }

            long fitting = count - placed;
            int row = position * _resources;
            for (int r = 0; r < requests.Length; r++)
            {
                if (requests[r] > 0)
                {
                    fitting = Math.Min(fitting, _free[row + r] / requests[r]);
                }
            }

            AdjustAt(position, requests, -(int)fitting);
            placed += (int)fitting;
        }

        return placed;
    }

    /// <summary>The first feasible position at or after local index <paramref name="from"/> where the requests fit; <paramref name="from"/> moves past it.</summary>
    private int FindPosition(Feasibility feasible, ReadOnlySpan<long> requests, ref int from)
    {
        if (feasible.Tree is not RangeMaxTree tree)
        {
            for (; from < feasible.Positions.Length; from++)
            {
                int position = feasible.Positions[from];
                if (Fits(position, requests))
                {
                    from++;
                    return position;
                }
            }

            return -1;
        }

        long cpu = requests[ResourceCatalog.Cpu];
        long memory = requests[ResourceCatalog.Memory];
        long podSlots = requests[ResourceCatalog.Pods];
        while (true)
        {
            int local = tree.FirstAtLeast(from, cpu, memory, podSlots);
            if (local < 0)
            {
                from = feasible.Positions.Length;
                return -1;
            }

            // The tree holds cpu, memory and pod slots; the other resources are checked here.
            from = local + 1;
            int position = feasible.Positions[local];
            if (Fits(position, requests))
            {
                return position;
            }
        }
    }

    /// <summary>Every requested resource fits (a resource the pod does not request never blocks it, as in nodeFit).</summary>
    private bool Fits(int position, ReadOnlySpan<long> requests)
    {
        int row = position * _resources;
        for (int r = 0; r < requests.Length; r++)
        {
            if (requests[r] > 0 && requests[r] > _free[row + r])
            {
                return false;
            }
        }

        return true;
    }

    private Feasibility FeasibilityOf(int pod)
    {
        int constraintsId = _snapshot.Pods.Constraints[pod];
        if (_byConstraints.TryGetValue(constraintsId, out Feasibility? cached))
        {
            return cached;
        }

        int row = _staticFit.RowOf(constraintsId);
        if (!_byRow.TryGetValue(row, out Feasibility? feasibility))
        {
            FitFailure[] fit = _staticFit.Row(row);
            var positions = new List<int>();
            for (int i = 0; i < _nodes.Length; i++)
            {
                if (fit[_nodes[i]] == FitFailure.None)
                {
                    positions.Add(i);
                }
            }

            RangeMaxTree? tree = null;
            if (positions.Count > 0 && (long)positions.Count * SparseRatio >= _nodes.Length)
            {
                tree = new RangeMaxTree([.. positions], _nodes.Length);
                foreach (int position in positions)
                {
                    int offset = position * _resources;
                    tree.Init(position, _free[offset + ResourceCatalog.Cpu], _free[offset + ResourceCatalog.Memory], _free[offset + ResourceCatalog.Pods]);
                }

                tree.Build();
                _trees.Add(tree);
            }

            feasibility = new Feasibility([.. positions], tree);
            _byRow[row] = feasibility;
        }

        _byConstraints[constraintsId] = feasibility;
        return feasibility;
    }

    /// <summary>The target positions a static-predicate set allows, and their tree when there are many.</summary>
    private sealed record Feasibility(int[] Positions, RangeMaxTree? Tree);

    /// <summary>A <see cref="ResourceMaxTree"/> over some target positions (ascending), addressed by position.</summary>
    private sealed class RangeMaxTree
    {
        private readonly int[] _local;
        private readonly ResourceMaxTree _tree;

        public RangeMaxTree(int[] positions, int totalPositions)
        {
            _local = new int[totalPositions];
            Array.Fill(_local, -1);
            for (int i = 0; i < positions.Length; i++)
            {
                _local[positions[i]] = i;
            }

            _tree = new ResourceMaxTree(positions.Length);
        }

        public void Init(int position, long cpu, long memory, long pods) => _tree.Init(_local[position], cpu, memory, pods);

        public void Build() => _tree.Build();

        /// <summary>Updates a position's leaf and its ancestors; a position outside this tree is ignored.</summary>
        public void Set(int position, long cpu, long memory, long pods)
        {
            if (_local[position] >= 0)
            {
                _tree.Set(_local[position], cpu, memory, pods);
            }
        }

        /// <summary>The first local index at or after <paramref name="from"/> whose cpu, memory and pod slots all hold the request; -1 if none.</summary>
        public int FirstAtLeast(int from, long cpu, long memory, long pods) => _tree.FirstAtLeast(from, cpu, memory, pods);
    }
}
