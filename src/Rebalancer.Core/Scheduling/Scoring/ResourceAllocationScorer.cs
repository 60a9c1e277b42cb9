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
        _nodeCount = context.Snapshot.Nodes.Count;
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
        // Per resource the pod's request and where the node's side is read: allocatable column, and the request array,
        // its stride and column (the projection's requests, or its non-zero cpu / memory). An extended resource the pod
        // does not request, and a resource the snapshot lacks, are left out: no column at all.
        int configured = _index.Length;
        Span<long> podRequest = stackalloc long[configured];
        PodRequests(pod, podRequest);
        for (int r = 0; r < configured; r++)
        {
            if (_source[r] == Skip || (podRequest[r] == 0 && _index[r] > ResourceCatalog.EphemeralStorage))
            {
                podRequest[r] = -1; // left out: part of the signature below
            }
        }

        // A node's score depends on its own requests and the pod's requests only: placements of pods that request the
        // same (replicas of one workload, and the many workloads of one size) reuse every score but those of the nodes
        // the projection changed since that request was last scored. A few recent requests are kept, as the plugins
        // (RemoveDuplicates, drains) alternate between workloads.
        ScoreCache cache = CacheFor(podRequest);
        int changes = _projection.ChangeCount;
        if (changes - cache.ChangesSeen >= _nodeCount)
        {
            Array.Clear(cache.Valid);
        }
        else
        {
            for (int change = cache.ChangesSeen; change < changes; change++)
            {
                cache.Valid[_projection.ChangedNode(change)] = false;
            }
        }

        cache.ChangesSeen = changes;
        _stale.Clear();
        bool[] valid = cache.Valid;
        foreach (int node in feasible)
        {
            if (!valid[node])
            {
                _stale.Add(node);
            }
        }

        if (_stale.Count > 0)
        {
            ScoreNodes(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_stale), podRequest, cache);
        }

        long[] score = cache.Score;
        for (int i = 0; i < feasible.Length; i++)
        {
            scores[i] = score[feasible[i]];
        }

        return true;
    }

    // How many requests' scores are kept: each costs 9 bytes per node (45 KB at 5,000 nodes).
    private const int CachedRequests = 32;

    private readonly List<ScoreCache> _caches = [];
    private readonly List<int> _stale = [];
    private readonly int _nodeCount;
    private long _uses;

    /// <summary>The cached scores for pods with these requests: found, or a new entry (replacing the least recently used).</summary>
    private ScoreCache CacheFor(ReadOnlySpan<long> podRequest)
    {
        ScoreCache? oldest = null;
        foreach (ScoreCache entry in _caches)
        {
            if (podRequest.SequenceEqual(entry.Signature))
            {
                entry.LastUse = ++_uses;
                return entry;
            }

            if (oldest is null || entry.LastUse < oldest.LastUse)
            {
                oldest = entry;
            }
        }

        ScoreCache cache;
        if (_caches.Count < CachedRequests)
        {
            cache = new ScoreCache(new long[_nodeCount], new bool[_nodeCount]);
            _caches.Add(cache);
        }
        else
        {
            cache = oldest!;
            Array.Clear(cache.Valid);
        }

        cache.Signature = podRequest.ToArray();
        cache.ChangesSeen = _projection.ChangeCount;
        cache.LastUse = ++_uses;
        return cache;
    }

    /// <summary>The scores of every node for pods with one set of requests (-1: left out), valid where <see cref="Valid"/> says.</summary>
    private sealed class ScoreCache(long[] score, bool[] valid)
    {
        public long[] Signature { get; set; } = [];

        public long[] Score { get; } = score;

        public bool[] Valid { get; } = valid;

        /// <summary>The projection's change count when the scores were last brought up to date.</summary>
        public int ChangesSeen { get; set; }

        public long LastUse { get; set; }
    }

    /// <summary>Computes and stores the scores of <paramref name="nodes"/> for a pod with these requests (-1: left out).</summary>
    private void ScoreNodes(ReadOnlySpan<int> nodes, ReadOnlySpan<long> podRequest, ScoreCache cache)
    {
        int configured = _index.Length;
        Span<int> resource = stackalloc int[configured];
        Span<long> request = stackalloc long[configured];
        Span<int> column = stackalloc int[configured];
        Span<bool> nonZero = stackalloc bool[configured];
        int count = 0;
        for (int r = 0; r < configured; r++)
        {
            if (podRequest[r] < 0)
            {
                continue;
            }

            int from = _source[r];
            resource[count] = r;
            request[count] = podRequest[r];
            nonZero[count] = from is NonZeroCpu or NonZeroMemory;
            column[count] = from switch
            {
                NonZeroCpu => 0,
                NonZeroMemory => 1,
                _ => from,
            };
            count++;
        }

        int needed = nodes.Length * Math.Max(1, count);
        if (_values.Length < needed)
        {
            _values = new long[needed * 2];
            _capacities = new long[_values.Length];
            _batch = new long[nodes.Length * 2];
        }
        else if (_batch.Length < nodes.Length)
        {
            _batch = new long[nodes.Length * 2];
        }

        long[] nodeAllocatable = _snapshot.Nodes.Allocatable;
        long[] nodeRequested = _projection.Requested;
        long[] nonZeroRequested = _projection.NonZeroRequested;
        int stride = _snapshot.Resources.Count;
        for (int k = 0; k < count; k++)
        {
            int allocatableColumn = _index[resource[k]];
            int requestColumn = column[k];
            long podSide = request[k];
            long[] used = nonZero[k] ? nonZeroRequested : nodeRequested;
            int usedStride = nonZero[k] ? 2 : stride;
            for (int i = 0; i < nodes.Length; i++)
            {
                int node = nodes[i];
                long capacity = nodeAllocatable[(node * stride) + allocatableColumn];

                // The scheduler fills an entry only when its allocatable is not 0; the formulas skip zero entries.
                _capacities[(i * count) + k] = capacity;
                _values[(i * count) + k] = capacity == 0 ? 0 : podSide + used[(node * usedStride) + requestColumn];
            }
        }

        Formulas(_values, _capacities, resource[..count], nodes.Length, _batch);
        for (int i = 0; i < nodes.Length; i++)
        {
            cache.Score[nodes[i]] = _batch[i];
            cache.Valid[nodes[i]] = true;
        }
    }

    // The (requested, allocatable) pairs of the nodes being scored, node-major, and their scores: reused buffers.
    private long[] _values = [];
    private long[] _capacities = [];
    private long[] _batch = [];

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

    /// <summary>
    /// The plugin's score of every node from its (requested, allocatable) per scored resource:
    /// <paramref name="requested"/> and <paramref name="allocatable"/> hold <paramref name="nodes"/> rows of
    /// <c>resources.Length</c> entries; <paramref name="resources"/> are the configured resources' positions (for weights).
    /// </summary>
    protected abstract void Formulas(long[] requested, long[] allocatable, ReadOnlySpan<int> resources, int nodes, Span<long> scores);
}
