using Rebalancer.Core.Model;

namespace Rebalancer.Core.Planning;

/// <summary>
/// The target candidates of one list ordered, per node shape (allocatable cpu and memory), by the LeastAllocated score
/// without the pod's own term: within a shape that term is the same on every node, so the best feasible node of the
/// shape is the first feasible one in this order. A target search then visits the emptiest nodes of each shape and
/// stops at the first that fits, instead of scoring every node; the order follows the projection through its change log.
/// </summary>
internal sealed class LeastAllocatedIndex
{
    private readonly ClusterSnapshot _snapshot;
    private readonly Projection _projection;
    private readonly int[] _shapeOf;
    private readonly double[] _key;
    private readonly List<SortedSet<(double Key, int Node)>> _shapes = [];
    private readonly List<int[]> _shapeNodes = [];
    private readonly Dictionary<(int Row, int Shape), int[]?> _sparse = [];
    private int _synced;

    public LeastAllocatedIndex(ClusterSnapshot snapshot, Projection projection, IReadOnlyList<int> candidates)
    {
        _snapshot = snapshot;
        _projection = projection;
        _shapeOf = new int[snapshot.Nodes.Count];
        Array.Fill(_shapeOf, -1);
        _key = new double[snapshot.Nodes.Count];
        var shapeIds = new Dictionary<(long Cpu, long Memory), int>();
        var members = new List<List<(double, int)>>();
        foreach (int node in candidates)
        {
            ReadOnlySpan<long> allocatable = snapshot.Nodes.AllocatableOf(node);
            var shape = (allocatable[ResourceCatalog.Cpu], allocatable[ResourceCatalog.Memory]);
            if (!shapeIds.TryGetValue(shape, out int id))
            {
                shapeIds[shape] = id = members.Count;
                members.Add([]);
            }

            _shapeOf[node] = id;
            _key[node] = Key(node);
            members[id].Add((_key[node], node));
        }

        foreach (List<(double, int)> shape in members)
        {
            _shapes.Add(new SortedSet<(double, int)>(shape, EmptiestFirst.Instance));
            _shapeNodes.Add([.. shape.Select(m => m.Item2)]);
        }

        _synced = projection.ChangeCount;
    }

    /// <summary>The node shapes, each ordered emptiest first (ties by node index).</summary>
    public IReadOnlyList<SortedSet<(double Key, int Node)>> Shapes
    {
        get
        {
            Sync();
            return _shapes;
        }
    }

    /// <summary>
    /// The shape's nodes that pass a static predicate row when they are few (under 1/16 of the shape; empty when none),
    /// or null when walking the shape's order is the better search: a pod pinned to a small pool by a nodeSelector would
    /// otherwise walk past every node of the shape it cannot use.
    /// </summary>
    public int[]? SparseNodes(int row, int shape, FitFailure[] fit)
    {
        if (_sparse.TryGetValue((row, shape), out int[]? nodes))
        {
            return nodes;
        }

        int[] all = _shapeNodes[shape];
        var allowed = new List<int>();
        foreach (int node in all)
        {
            if (fit[node] == FitFailure.None)
            {
                allowed.Add(node);
            }
        }

        nodes = allowed.Count * 16 < all.Length ? [.. allowed] : null;
        _sparse[(row, shape)] = nodes;
        return nodes;
    }

    /// <summary>The score's pod-independent part: the free fraction of cpu plus that of memory.</summary>
    private double Key(int node)
    {
        ReadOnlySpan<long> allocatable = _snapshot.Nodes.AllocatableOf(node);
        ReadOnlySpan<long> used = _projection.RequestedOn(node);
        double free = 0;
        for (int r = ResourceCatalog.Cpu; r <= ResourceCatalog.Memory; r++)
        {
            free += allocatable[r] <= 0 ? 0 : (allocatable[r] - used[r]) / (double)allocatable[r];
        }

        return free;
    }

    private void Sync()
    {
        for (; _synced < _projection.ChangeCount; _synced++)
        {
            int node = _projection.ChangedNode(_synced);
            int shape = _shapeOf[node];
            if (shape < 0)
            {
                continue;
            }

            SortedSet<(double, int)> set = _shapes[shape];
            set.Remove((_key[node], node));
            _key[node] = Key(node);
            set.Add((_key[node], node));
        }
    }

    private sealed class EmptiestFirst : IComparer<(double Key, int Node)>
    {
        public static readonly EmptiestFirst Instance = new();

        public int Compare((double Key, int Node) x, (double Key, int Node) y)
        {
            int c = y.Key.CompareTo(x.Key);
            return c != 0 ? c : x.Node.CompareTo(y.Node);
        }
    }
}
