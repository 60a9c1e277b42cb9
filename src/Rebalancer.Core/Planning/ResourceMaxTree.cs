namespace Rebalancer.Core.Planning;

/// <summary>
/// A segment tree over slots 0..count-1 holding, for each range, the maximum free cpu, memory and pod slots, so "the
/// first slot at or after i with room for this request" descends the tree instead of scanning. The three maxima of a
/// range may come from different slots, so the tree only prunes (never wrongly); a leaf decides. Leaves hold free
/// amounts clamped at 0, so a request of 0 matches an overcommitted slot. Shared by the capacity fitter (N-1 headroom,
/// SpotRatio) and Consolidation's packing bounds.
/// </summary>
internal sealed class ResourceMaxTree
{
    private readonly int _count;
    private readonly int _leaves;
    private readonly long[] _cpu;
    private readonly long[] _memory;
    private readonly long[] _pods;

    public ResourceMaxTree(int count)
    {
        _count = count;
        _leaves = 1;
        while (_leaves < count)
        {
            _leaves <<= 1;
        }

        _cpu = new long[2 * _leaves];
        _memory = new long[2 * _leaves];
        _pods = new long[2 * _leaves];
        Array.Fill(_cpu, -1);
        Array.Fill(_memory, -1);
        Array.Fill(_pods, -1);
    }

    /// <summary>Sets a slot's leaf without updating its ancestors: call <see cref="Build"/> after the initial fill.</summary>
    public void Init(int slot, long cpu, long memory, long pods)
    {
        int leaf = slot + _leaves;
        _cpu[leaf] = Math.Max(0, cpu);
        _memory[leaf] = Math.Max(0, memory);
        _pods[leaf] = Math.Max(0, pods);
    }

    public void Build()
    {
        for (int node = _leaves - 1; node >= 1; node--)
        {
            Pull(node);
        }
    }

    /// <summary>Updates a slot's leaf and its ancestors.</summary>
    public void Set(int slot, long cpu, long memory, long pods)
    {
        Init(slot, cpu, memory, pods);
        for (int node = (slot + _leaves) >> 1; node >= 1; node >>= 1)
        {
            Pull(node);
        }
    }

    /// <summary>The first slot at or after <paramref name="from"/> whose cpu, memory and pod slots all hold the request; -1 if none.</summary>
    public int FirstAtLeast(int from, long cpu, long memory, long pods) => Search(1, 0, _leaves - 1, from, cpu, memory, pods);

    private int Search(int node, int low, int high, int from, long cpu, long memory, long pods)
    {
        if (high < from || _cpu[node] < cpu || _memory[node] < memory || _pods[node] < pods)
        {
            return -1;
        }

        if (low == high)
        {
            return low < _count ? low : -1;
        }

        int middle = (low + high) >> 1;
        int left = Search(2 * node, low, middle, from, cpu, memory, pods);
        return left >= 0 ? left : Search((2 * node) + 1, middle + 1, high, from, cpu, memory, pods);
    }

    private void Pull(int node)
    {
        _cpu[node] = Math.Max(_cpu[2 * node], _cpu[(2 * node) + 1]);
        _memory[node] = Math.Max(_memory[2 * node], _memory[(2 * node) + 1]);
        _pods[node] = Math.Max(_pods[2 * node], _pods[(2 * node) + 1]);
    }
}
