using System.Globalization;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;

namespace Rebalancer.Core.Strategies.NodeUtilization;

/// <summary>
/// Per-node usage and capacity of the resources a node-utilization plugin tracks (its threshold resources plus cpu,
/// memory and pods), with the descheduler's percent arithmetic done exactly in decimal. Usage is either the projected
/// requests (cumulative over the plan so far) or real usage from metrics adjusted by the plan's earlier moves.
/// </summary>
internal sealed class UtilizationModel
{
    private readonly ClusterSnapshot _snapshot;

    public UtilizationModel(ClusterSnapshot snapshot, IEnumerable<string> resources)
    {
        _snapshot = snapshot;
        var names = new List<string> { "cpu", "memory", "pods" };
        foreach (string r in resources)
        {
            if (!names.Contains(r))
            {
                names.Add(r);
            }
        }

        Names = names;
        Indices = names.Select(snapshot.Resources.Find).ToArray();
        Usage = new long[snapshot.Nodes.Count, names.Count];
        Capacity = new long[snapshot.Nodes.Count, names.Count];
        for (int n = 0; n < snapshot.Nodes.Count; n++)
        {
            ReadOnlySpan<long> allocatable = snapshot.Nodes.AllocatableOf(n);
            for (int i = 0; i < Indices.Length; i++)
            {
                Capacity[n, i] = Indices[i] < 0 ? 0 : allocatable[Indices[i]];
            }
        }
    }

    /// <summary>Tracked resource names; 0 = cpu, 1 = memory, 2 = pods, then the other threshold resources.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Catalog index per tracked resource (-1 when the snapshot has no such resource at all).</summary>
    public int[] Indices { get; }

    public long[,] Usage { get; }

    public long[,] Capacity { get; }

    public int IndexOf(string resource) => Names.ToList().IndexOf(resource);

    /// <summary>Usage = requests of the pods projected on each node (the descheduler's default "requested" source).</summary>
    public void LoadRequested(Projection projection)
    {
        for (int n = 0; n < _snapshot.Nodes.Count; n++)
        {
            ReadOnlySpan<long> requested = projection.RequestedOn(n);
            for (int i = 0; i < Indices.Length; i++)
            {
                Usage[n, i] = Indices[i] < 0 ? 0 : requested[Indices[i]];
            }
        }
    }

    /// <summary>
    /// Usage = NodeMetrics cpu and memory (pods = projected pod count), shifted by the pod metrics of the evictions
    /// planned before this plugin. Returns the nodes among <paramref name="nodes"/> without metrics.
    /// </summary>
    public List<int> LoadMetrics(PlanningContext context, IReadOnlyList<int> nodes)
    {
        var missing = new List<int>();
        NodeTable table = _snapshot.Nodes;
        foreach (int n in nodes)
        {
            if (!table.HasUsage[n])
            {
                missing.Add(n);
            }
        }

        for (int n = 0; n < table.Count; n++)
        {
            Usage[n, 0] = table.UsageCpuMilli[n];
            Usage[n, 1] = table.UsageMemory[n];
            Usage[n, 2] = context.Projection.PodCountOn(n);
        }

        foreach (PlannedEviction eviction in context.Evictions)
        {
            (long cpu, long memory) = PodUsage(eviction.Pod);
            if (eviction.Node >= 0)
            {
                Usage[eviction.Node, 0] -= cpu;
                Usage[eviction.Node, 1] -= memory;
            }

            if (eviction.TargetNode >= 0)
            {
                Usage[eviction.TargetNode, 0] += cpu;
                Usage[eviction.TargetNode, 1] += memory;
            }
        }

        return missing;
    }

    /// <summary>A pod's usage from PodMetrics (cpu milli, memory bytes); zero when the pod has none.</summary>
    public (long Cpu, long Memory) PodUsage(int pod) =>
        _snapshot.Pods.HasUsage[pod] ? (_snapshot.Pods.UsageCpuMilli[pod], _snapshot.Pods.UsageMemory[pod]) : (0, 0);

    /// <summary>usage / capacity × 100, exact; 0 when the node has no capacity of the resource (as in the descheduler).</summary>
    public decimal Percent(int node, int resource)
    {
        long capacity = Capacity[node, resource];
        return capacity <= 0 ? 0 : Usage[node, resource] * 100m / capacity;
    }

    /// <summary>The descheduler's node ordering key: a raw sum of usage values in mixed units (cpu milli, memory bytes…).</summary>
    public decimal RawUsageSum(int node)
    {
        decimal sum = 0;
        for (int i = 0; i < Names.Count; i++)
        {
            sum += Usage[node, i];
        }

        return sum;
    }

    public static string FormatPercent(decimal value) => value.ToString("0.#", CultureInfo.InvariantCulture) + "%";

    public string FormatAmount(int resource, long amount) =>
        Indices[resource] >= 0 ? Units.Format(Indices[resource], amount) : amount.ToString(CultureInfo.InvariantCulture);
}
