using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;

namespace Rebalancer.Core.Scheduling.Scoring;

/// <summary>
/// kube-scheduler's <c>resourceAllocationScorer</c> (noderesources/resource_allocation.go, v1.29–v1.32), shared by
/// NodeResourcesFit and NodeResourcesBalancedAllocation: per configured resource, the node's allocatable and what it
/// would have requested with the pod, then the plugin's formula. cpu and memory count the scheduler's non-zero requests
/// (100m / 200 MiB for a container without a request) unless the plugin scores real requests
/// (<c>useRequested</c>, BalancedAllocation); an extended resource the pod does not request, or one the node does not
/// have, is left out (allocatable 0), as is <c>pods</c>.
/// </summary>
internal abstract class ResourceAllocationScorer : IScorePlugin
{
    private const int Skip = -1;
    private const int NonZeroCpu = -2;
    private const int NonZeroMemory = -3;

    private readonly ClusterSnapshot _snapshot;
    private readonly Projection _projection;
    private readonly bool _useRequested;

    // Catalog index of each configured resource; -1 when the snapshot has no such resource (always left out).
    private readonly int[] _index;

    // Where each resource's node-side request is read: a column of the projection's requests, or the non-zero cpu /
    // memory columns, or nowhere (Skip). Fixed per plugin except for extended resources, left out per pod.
    private readonly int[] _source;

    protected ResourceAllocationScorer(ScoringContext context, IReadOnlyList<ResourceWeight> resources, bool useRequested)
    {
        _snapshot = context.Snapshot;
        _projection = context.Projection;
        _useRequested = useRequested;
        _index = [.. resources.Select(r => context.Snapshot.Resources.Find(r.Name))];
        Weights = [.. resources.Select(r => (long)r.Weight)];
        _source = [.. _index.Select(index => index switch
        {
            < 0 or ResourceCatalog.Pods => Skip,
            ResourceCatalog.Cpu when !useRequested => NonZeroCpu,
            ResourceCatalog.Memory when !useRequested => NonZeroMemory,
            _ => index,
        })];
    }

    protected long[] Weights { get; }

    public bool Score(int pod, ReadOnlySpan<int> feasible, Span<long> scores)
    {
        int count = _index.Length;
        Span<long> podRequest = stackalloc long[count];
        Span<int> source = stackalloc int[count];
        Span<long> requested = stackalloc long[count];
        Span<long> allocatable = stackalloc long[count];
        PodRequests(pod, podRequest);
        for (int r = 0; r < count; r++)
        {
            // An extended resource the pod does not request is left out of the score.
            source[r] = podRequest[r] == 0 && _index[r] > ResourceCatalog.EphemeralStorage ? Skip : _source[r];
        }

        long[] nodeAllocatable = _snapshot.Nodes.Allocatable;
        long[] nodeRequested = _projection.Requested;
        long[] nonZero = _projection.NonZeroRequested;
        int stride = _snapshot.Resources.Count;
        for (int i = 0; i < feasible.Length; i++)
        {
            int node = feasible[i];
            int row = node * stride;
            for (int r = 0; r < count; r++)
            {
                int from = source[r];
                long alloc = from == Skip ? 0 : nodeAllocatable[row + _index[r]];

                // The scheduler fills an entry only when its allocatable is not 0; the formulas skip zero entries.
                allocatable[r] = alloc;
                requested[r] = alloc == 0 ? 0 : podRequest[r] + from switch
                {
                    NonZeroCpu => nonZero[node * 2],
                    NonZeroMemory => nonZero[(node * 2) + 1],
                    _ => nodeRequested[row + from],
                };
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
