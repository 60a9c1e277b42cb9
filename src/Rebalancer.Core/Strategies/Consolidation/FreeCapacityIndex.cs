using Rebalancer.Core.Planning;

namespace Rebalancer.Core.Strategies.Consolidation;

/// <summary>
/// Target nodes ordered by free cpu in the projection, so a best-fit query starts at the first node with enough cpu
/// instead of scanning every node. Entries are refreshed when a move changes a node's usage.
/// </summary>
internal sealed class FreeCapacityIndex
{
    private readonly Projection _projection;
    private readonly long[] _allocatableCpu;
    private readonly SortedSet<(long FreeCpu, int Node)> _byFreeCpu = [];
    private readonly Dictionary<int, long> _key = [];

    public FreeCapacityIndex(Projection projection, long[] allocatableCpu, IEnumerable<int> nodes)
    {
        _projection = projection;
        _allocatableCpu = allocatableCpu;
        foreach (int node in nodes)
        {
            Refresh(node);
        }
    }

    /// <summary>Re-reads a node's free cpu from the projection (call after any move from or to it).</summary>
    public void Refresh(int node)
    {
        if (_key.TryGetValue(node, out long old))
        {
            _byFreeCpu.Remove((old, node));
        }

        long free = _allocatableCpu[node] - _projection.RequestedOn(node)[0];
        _key[node] = free;
        _byFreeCpu.Add((free, node));
    }

    public void Remove(int node)
    {
        if (_key.Remove(node, out long old))
        {
            _byFreeCpu.Remove((old, node));
        }
    }

    /// <summary>Nodes with at least <paramref name="cpu"/> free, fullest first (best fit), ties by node index.</summary>
    public IEnumerable<int> WithAtLeast(long cpu)
    {
        foreach ((long _, int node) in _byFreeCpu.GetViewBetween((cpu, int.MinValue), (long.MaxValue, int.MaxValue)))
        {
            yield return node;
        }
    }
}
