using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;

namespace Rebalancer.Core.Scheduling.Scoring;

/// <summary>
/// kube-scheduler's <c>resourceAllocationScorer</c> (noderesources/resource_allocation.go, v1.29–v1.32), shared by
/// NodeResourcesFit and NodeResourcesBalancedAllocation: per configured resource, the node's allocatable and what it
/// would have requested with the pod, then the plugin's formula. cpu and memory count the scheduler's non-zero requests
/// (100m / 200 MiB for a container without a request) unless the plugin scores real requests
/// (<c>useRequested</c>, BalancedAllocation); an extended resource the pod does not request, or one the
/// node does not have, is left out (allocatable 0), as is <c>pods</c>.
/// </summary>
internal abstract class ResourceAllocationScorer : IScorePlugin
{
    private readonly ClusterSnapshot _snapshot;
    private readonly Projection _projection;
    private readonly bool _useRequested;

    // Catalog index of each configured resource; -1 when the snapshot has no such resource (always left out).
    private readonly int[] _index;

    protected ResourceAllocationScorer(ScoringContext context, IReadOnlyList<ResourceWeight> resources, bool useRequested)
    {
        _snapshot = context.Snapshot;
        _projection = context.Projection;
        _useRequested = useRequested;
        _index = [.. resources.Select(r => context.Snapshot.Resources.Find(r.Name))];
        Weights = [.. resources.Select(r => (long)r.Weight)];
    }

    protected long[] Weights { get; }

    public virtual bool Score(int pod, ReadOnlySpan<int> feasible, Span<long> scores)
    {
        int count = _index.Length;
        Span<long> podRequest = stackalloc long[count];
        Span<long> requested = stackalloc long[count];
        Span<long> allocatable = stackalloc long[count];
        PodRequests(pod, podRequest);
        for (int i = 0; i < feasible.Length; i++)
        {
            int node = feasible[i];
            ReadOnlySpan<long> nodeAllocatable = _snapshot.Nodes.AllocatableOf(node);
            ReadOnlySpan<long> nodeRequested = _projection.RequestedOn(node);
            (long nonZeroCpu, long nonZeroMemory) = _projection.NonZeroRequestedOn(node);
            for (int r = 0; r < count; r++)
            {
                int index = _index[r];
                long alloc = 0;
                long req = 0;
                if (index >= 0 && index != ResourceCatalog.Pods && !(podRequest[r] == 0 && index > ResourceCatalog.EphemeralStorage))
                {
                    alloc = nodeAllocatable[index];
                    long used = index switch
                    {
                        ResourceCatalog.Cpu when !_useRequested => nonZeroCpu,
                        ResourceCatalog.Memory when !_useRequested => nonZeroMemory,
                        _ => nodeRequested[index],
                    };
                    req = used + podRequest[r];
                }

                // The scheduler fills an entry only when its allocatable is not 0; the formulas skip zero entries.
                allocatable[r] = alloc;
                requested[r] = alloc == 0 ? 0 : req;
            }

            scores[i] = Formula(requested, allocatable);
        }

        return true;
    }

    /// <summary>The pod's request of each configured resource, as this plugin counts it.</summary>
    protected void PodRequests(int pod, Span<long> podRequest)
    {
        ReadOnlySpan<long> requests = _snapshot.Pods.RequestsOf(pod);
        for (int r = 0; r < _index.Length; r++)
        {
            int index = _index[r];
            podRequest[r] = index switch
            {
                < 0 => 0,
                ResourceCatalog.Cpu when !_useRequested => _snapshot.Pods.NonZeroCpuMilli[pod],
                ResourceCatalog.Memory when !_useRequested => _snapshot.Pods.NonZeroMemory[pod],
                _ => requests[index],
            };
        }
    }

    /// <summary>The plugin's score of one node from its (requested, allocatable) per configured resource.</summary>
    protected abstract long Formula(ReadOnlySpan<long> requested, ReadOnlySpan<long> allocatable);
}
