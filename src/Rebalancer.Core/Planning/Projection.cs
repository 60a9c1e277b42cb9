using Rebalancer.Core.Model;

namespace Rebalancer.Core.Planning;

/// <summary>
/// The projected cluster: where every pod is after the evictions planned so far, and what each node has requested.
/// Each planned eviction moves its pod from its node to the projected target, so later decisions (of the same plugin
/// or of later plugins) see the cluster as it will be, not as it was (the descheduler's dry-run is not cumulative).
/// </summary>
public sealed class Projection
{
    private readonly ClusterSnapshot _snapshot;
    private readonly int _resources;
    private readonly long[] _requested;
    private readonly int[] _podNode;
    private readonly Dictionary<int, List<int>> _movedIn = [];
    private readonly int[] _podCount;

    // cpu and memory per node as kube-scheduler's scoring counts them (NodeInfo.NonZeroRequested): [node * 2 + 0|1].
    private readonly long[] _nonZero;

    public Projection(ClusterSnapshot snapshot)
    {
        _snapshot = snapshot;
        _resources = snapshot.Resources.Count;
        _requested = new long[snapshot.Nodes.Count * _resources];
        _podNode = new int[snapshot.Pods.Count];
        _podCount = new int[snapshot.Nodes.Count];
        _nonZero = new long[snapshot.Nodes.Count * 2];
        PodTable pods = snapshot.Pods;
        for (int p = 0; p < pods.Count; p++)
        {
            int node = pods.Node[p];
            bool active = node >= 0 && pods.IsActive(p);
            _podNode[p] = active ? node : -1;
            if (active)
            {
                Add(node, p, +1);
                _podCount[node]++;
            }
        }

        Initial = (long[])_requested.Clone();
    }

    /// <summary>Requested resources per node before any planned eviction (row-major, stride = resource count).</summary>
    public long[] Initial { get; }

    /// <summary>Requested resources per node now.</summary>
    public long[] Requested => _requested;

    public int ResourceCount => _resources;

    public ReadOnlySpan<long> RequestedOn(int node) => _requested.AsSpan(node * _resources, _resources);

    /// <summary>
    /// The node's cpu (millicores) and memory requests as kube-scheduler's scoring counts them: every pod's
    /// <see cref="PodTable.NonZeroCpuMilli"/> and <see cref="PodTable.NonZeroMemory"/> summed (NodeInfo.NonZeroRequested).
    /// </summary>
    public (long CpuMilli, long Memory) NonZeroRequestedOn(int node) => (_nonZero[node * 2], _nonZero[(node * 2) + 1]);

    /// <summary>The non-zero cpu and memory requests of every node, <c>[node * 2]</c> and <c>[node * 2 + 1]</c> (scoring loops read it directly).</summary>
    internal long[] NonZeroRequested => _nonZero;

    /// <summary>The projected node of a pod: its node, the target it was moved to, or -1 (not running anywhere).</summary>
    public int NodeOf(int pod) => _podNode[pod];

    /// <summary>Non-terminal pods on the node in the projection.</summary>
    public int PodCountOn(int node) => _podCount[node];

    /// <summary>Calls <paramref name="visit"/> for every pod projected onto <paramref name="node"/> (snapshot pods first, then moved-in ones).</summary>
    public void ForEachPodOn(int node, Action<int> visit)
    {
        foreach (int p in _snapshot.PodsOn(node))
        {
            if (_podNode[p] == node)
            {
                visit(p);
            }
        }

        if (_movedIn.TryGetValue(node, out List<int>? moved))
        {
            foreach (int p in moved)
            {
                if (_podNode[p] == node)
                {
                    visit(p);
                }
            }
        }
    }

    /// <summary>Pods projected onto the node, into <paramref name="result"/> (cleared first).</summary>
    public void PodsOn(int node, List<int> result)
    {
        result.Clear();
        foreach (int p in _snapshot.PodsOn(node))
        {
            if (_podNode[p] == node)
            {
                result.Add(p);
            }
        }

        if (_movedIn.TryGetValue(node, out List<int>? moved))
        {
            foreach (int p in moved)
            {
                if (_podNode[p] == node)
                {
                    result.Add(p);
                }
            }
        }
    }

    /// <summary>Increases with every move, so caches derived from the projection know when they are stale.</summary>
    public long Version { get; private set; }

    private readonly List<int> _changedNodes = [];

    /// <summary>How many node changes <see cref="ChangedNode"/> holds: indexes derived from the projection catch up from their last position.</summary>
    public int ChangeCount => _changedNodes.Count;

    /// <summary>The node whose requests the <paramref name="index"/>-th change altered (each move logs its source and its target).</summary>
    public int ChangedNode(int index) => _changedNodes[index];

    /// <summary>Moves a pod to <paramref name="target"/> (or nowhere with -1).</summary>
    public void Move(int pod, int target)
    {
        Version++;
        int from = _podNode[pod];
        int home = _snapshot.Pods.Node[pod];
        if (from >= 0)
        {
            _changedNodes.Add(from);
            Add(from, pod, -1);
            _podCount[from]--;
            if (from != home)
            {
                _movedIn[from].Remove(pod);
            }
        }

        _podNode[pod] = target;
        if (target >= 0)
        {
            _changedNodes.Add(target);
            Add(target, pod, +1);
            _podCount[target]++;

            // A pod moved back to its snapshot node is found through the snapshot's index; listing it again would
            // count it twice.
            if (target != home)
            {
                if (!_movedIn.TryGetValue(target, out List<int>? list))
                {
                    _movedIn[target] = list = [];
                }

                list.Add(pod);
            }
        }
    }

    private void Add(int node, int pod, int sign)
    {
        ReadOnlySpan<long> requests = _snapshot.Pods.RequestsOf(pod);
        _nonZero[node * 2] += sign * _snapshot.Pods.NonZeroCpuMilli[pod];
        _nonZero[(node * 2) + 1] += sign * _snapshot.Pods.NonZeroMemory[pod];
        Span<long> row = _requested.AsSpan(node * _resources, _resources);
        for (int r = 0; r < row.Length; r++)
        {
            row[r] += sign * requests[r];
        }
    }
}
