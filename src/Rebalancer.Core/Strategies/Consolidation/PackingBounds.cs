using Rebalancer.Core.Model;

namespace Rebalancer.Core.Strategies.Consolidation;

/// <summary>How few nodes the pool's pods could possibly need, so the gap between a plan and the best one is visible.</summary>
internal static class PackingBounds
{
    private static readonly int[] Dimensions = [ResourceCatalog.Cpu, ResourceCatalog.Memory, ResourceCatalog.Pods];

    /// <summary>max over cpu, memory and pods of ceil(total requests / largest allocatable): no packing can beat it.</summary>
    public static int LowerBound(ClusterSnapshot snapshot, IReadOnlyList<int> pool, IReadOnlyList<int> pods)
    {
        int bound = pods.Count > 0 ? 1 : 0;
        foreach (int r in Dimensions)
        {
            long largest = pool.Count == 0 ? 0 : pool.Max(n => snapshot.Nodes.AllocatableOf(n)[r]);
            if (largest <= 0)
            {
                continue;
            }

            long total = 0;
            foreach (int pod in pods)
            {
                total += snapshot.Pods.RequestsOf(pod)[r];
            }

            bound = Math.Max(bound, (int)Math.Min(int.MaxValue, (total + largest - 1) / largest));
        }

        return bound;
    }

    /// <summary>
    /// Nodes a first-fit-decreasing packing (by cpu, then memory) of the pods onto copies of the pool's largest node needs:
    /// an achievable estimate near the optimum for many small items. A segment tree over the bins' free cpu finds the
    /// first bin with room in O(log bins), so 150,000 pods pack in milliseconds.
    /// </summary>
    public static int FirstFitDecreasing(ClusterSnapshot snapshot, IReadOnlyList<int> pool, IReadOnlyList<int> pods)
    {
        if (pods.Count == 0 || pool.Count == 0)
        {
            return 0;
        }

        int largestNode = pool.OrderByDescending(n => snapshot.Nodes.AllocatableOf(n)[ResourceCatalog.Cpu])
            .ThenByDescending(n => snapshot.Nodes.AllocatableOf(n)[ResourceCatalog.Memory]).ThenBy(n => n).First();
        ReadOnlySpan<long> shape = snapshot.Nodes.AllocatableOf(largestNode);
        long capCpu = shape[ResourceCatalog.Cpu];
        long capMemory = shape[ResourceCatalog.Memory];
        long capPods = shape[ResourceCatalog.Pods];

        // Only cpu and memory matter to this packing (each pod takes one slot), so pods are counted per (cpu, memory)
        // and the distinct sizes sorted, largest first: sorting every movable pod of the pool cost more than packing them.
        PodTable table = snapshot.Pods;
        var counts = new Dictionary<(long Cpu, long Memory), int>();
        foreach (int pod in pods)
        {
            ReadOnlySpan<long> requests = table.RequestsOf(pod);
            var size = (requests[ResourceCatalog.Cpu], requests[ResourceCatalog.Memory]);
            counts[size] = counts.GetValueOrDefault(size) + 1;
        }

        var sizes = counts.Keys.ToArray();
        Array.Sort(sizes, (x, y) => x.Cpu != y.Cpu ? y.Cpu.CompareTo(x.Cpu) : y.Memory.CompareTo(x.Memory));

        // Bins are opened left to right; a max-tree over free cpu, memory and pod slots finds the first with room. The
        // three maxima of a subtree may come from different bins, so the tree prunes (never wrongly) and the leaf check
        // decides. The pods of one size fill each bin they find before moving on, exactly as placing them one by one
        // would: the bins before it had no room for one and have not changed.
        var free = new BinTree(pods.Count, capCpu, capMemory, capPods);
        int opened = 0;
        int oversized = 0;
        foreach ((long cpu, long memory) in sizes)
        {
            int run = counts[(cpu, memory)];
            if (cpu > capCpu || memory > capMemory)
            {
                oversized += run; // fits no node of this shape: count each as needing a node of its own
                continue;
            }

            int from = 0;
            while (run > 0)
            {
                int bin = free.First(from, cpu, memory, 1);
                if (bin < 0)
                {
                    oversized += run;
                    break;
                }

                long fitting = Math.Min(run, free.Pods(bin));
                if (cpu > 0)
                {
                    fitting = Math.Min(fitting, free.Cpu(bin) / cpu);
                }

                if (memory > 0)
                {
                    fitting = Math.Min(fitting, free.Memory(bin) / memory);
                }

                free.Take(bin, cpu * fitting, memory * fitting, fitting);
                run -= (int)fitting;
                opened = Math.Max(opened, bin + 1);
                from = bin + 1;
            }
        }

        return opened + oversized;
    }

    /// <summary>Free cpu, memory and pod slots of the bins, indexed by a <see cref="Planning.ResourceMaxTree"/> for first-fit queries.</summary>
    private sealed class BinTree
    {
        private readonly long[] _cpu;
        private readonly long[] _memory;
        private readonly long[] _pods;
        private readonly Planning.ResourceMaxTree _tree;

        public BinTree(int bins, long cpu, long memory, long pods)
        {
            _cpu = new long[bins];
            _memory = new long[bins];
            _pods = new long[bins];
            Array.Fill(_cpu, cpu);
            Array.Fill(_memory, memory);
            Array.Fill(_pods, pods);
            _tree = new Planning.ResourceMaxTree(bins);
            for (int bin = 0; bin < bins; bin++)
            {
                _tree.Init(bin, cpu, memory, pods);
            }

            _tree.Build();
        }

        public long Cpu(int bin) => _cpu[bin];

        public long Memory(int bin) => _memory[bin];

        public long Pods(int bin) => _pods[bin];

        public void Take(int bin, long cpu, long memory, long pods)
        {
            _cpu[bin] -= cpu;
            _memory[bin] -= memory;
            _pods[bin] -= pods;
            _tree.Set(bin, _cpu[bin], _memory[bin], _pods[bin]);
        }

        /// <summary>The first bin at or after <paramref name="from"/> with room for the request, or -1.</summary>
        public int First(int from, long cpu, long memory, long pods) => _tree.FirstAtLeast(from, cpu, memory, pods);
    }
}
