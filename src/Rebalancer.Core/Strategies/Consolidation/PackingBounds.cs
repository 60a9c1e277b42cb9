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

        int[] order = [.. pods];
        PodTable table = snapshot.Pods;
        Array.Sort(order, (a, b) =>
        {
            int c = table.RequestsOf(b)[ResourceCatalog.Cpu].CompareTo(table.RequestsOf(a)[ResourceCatalog.Cpu]);
            if (c != 0)
            {
                return c;
            }

            c = table.RequestsOf(b)[ResourceCatalog.Memory].CompareTo(table.RequestsOf(a)[ResourceCatalog.Memory]);
            return c != 0 ? c : a.CompareTo(b);
        });

        int bins = order.Length;
        int size = 1;
        while (size < bins)
        {
            size <<= 1;
        }

        long[] tree = new long[2 * size]; // max free cpu per subtree; unopened bins are full
        long[] freeMemory = new long[bins];
        long[] freePods = new long[bins];
        for (int i = 0; i < size; i++)
        {
            tree[size + i] = i < bins ? capCpu : long.MinValue;
        }

        for (int i = size - 1; i >= 1; i--)
        {
            tree[i] = Math.Max(tree[2 * i], tree[(2 * i) + 1]);
        }

        Array.Fill(freeMemory, capMemory);
        Array.Fill(freePods, capPods);
        int opened = 0;
        int oversized = 0;
        foreach (int pod in order)
        {
            ReadOnlySpan<long> requests = table.RequestsOf(pod);
            long cpu = requests[ResourceCatalog.Cpu];
            long memory = requests[ResourceCatalog.Memory];
            if (cpu > capCpu || memory > capMemory)
            {
                oversized++; // fits no node of this shape: count it as needing a node of its own
                continue;
            }

            int bin = FirstWithCpu(tree, size, cpu, 0);
            while (bin >= 0 && (freeMemory[bin] < memory || freePods[bin] < 1))
            {
                bin = FirstWithCpu(tree, size, cpu, bin + 1);
            }

            if (bin < 0)
            {
                oversized++;
                continue;
            }

            freeMemory[bin] -= memory;
            freePods[bin]--;
            int leaf = size + bin;
            tree[leaf] -= cpu;
            for (int i = leaf >> 1; i >= 1; i >>= 1)
            {
                tree[i] = Math.Max(tree[2 * i], tree[(2 * i) + 1]);
            }

            opened = Math.Max(opened, bin + 1);
        }

        return opened + oversized;
    }

    /// <summary>The first bin at or after <paramref name="from"/> with at least <paramref name="cpu"/> free, or -1.</summary>
    private static int FirstWithCpu(long[] tree, int size, long cpu, int from)
    {
        return Search(1, 0, size - 1);

        int Search(int index, int lo, int hi)
        {
            if (hi < from || tree[index] < cpu)
            {
                return -1;
            }

            if (lo == hi)
            {
                return lo;
            }

            int mid = (lo + hi) / 2;
            int left = Search(2 * index, lo, mid);
            return left >= 0 ? left : Search((2 * index) + 1, mid + 1, hi);
        }
    }
}
