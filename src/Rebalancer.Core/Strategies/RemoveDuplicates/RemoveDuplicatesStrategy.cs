using Rebalancer.Core.Evictor;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;

namespace Rebalancer.Core.Strategies.RemoveDuplicates;

/// <summary>
/// Evicts duplicate pods — same namespace, owner and container images — on one node, keeping each node at or below
/// the fair share <c>ceil(replicas / feasible nodes)</c> (descheduler-semantics §1.1). Differences from the
/// descheduler: owners and nodes are visited in a stable order instead of Go map order, a pod with two owners is
/// evicted at most once, and every eviction must find a target in the projection (docs/compatibility.md).
/// </summary>
public sealed class RemoveDuplicatesStrategy : IStrategy
{
    public const string PluginName = "RemoveDuplicates";

    private readonly RemoveDuplicatesSettings _settings;

    public RemoveDuplicatesStrategy(RemoveDuplicatesSettings settings) => _settings = settings;

    public string Name => PluginName;

    public void Run(PlanningContext context)
    {
        ClusterSnapshot snapshot = context.Snapshot;
        PodTable pods = snapshot.Pods;
        var excludedKinds = new HashSet<int>(_settings.ExcludeOwnerKinds.Select(snapshot.Strings.Find));
        // Identities and owner keys are interned int sequences, not strings: this loop visits every pod of the cluster.
        var sequences = new SequenceInterner();
        var keys = new Dictionary<PodKey, OwnerGroup>();
        var groups = new List<OwnerGroup>();
        var onNode = new List<int>();
        var identities = new Dictionary<PodKey, int>();
        var protectedFirst = new Dictionary<PodKey, int>();
        var scratch = new List<int>();
        var feasibleByRow = new Dictionary<int, (ulong[] Nodes, int Count)>();

        foreach (int node in context.Nodes)
        {
            context.Projection.PodsOn(node, onNode);
            identities.Clear();
            protectedFirst.Clear();
            foreach (int pod in onNode)
            {
                ReadOnlySpan<OwnerRef> owners = pods.OwnersOf(pod);
                if (owners.Length == 0 || !_settings.Namespaces.Allows(snapshot.Strings[pods.Namespace[pod]]) || HasExcludedOwner(owners, excludedKinds))
                {
                    continue;
                }

                int images = ImagesKey(snapshot, pod, sequences, scratch);
                PodKey identity = Identity(snapshot, pod, images, sequences, scratch);

                // A pod an earlier plugin already moved here counts towards the replicas (it runs here in the
                // projection) but cannot be evicted again.
                bool movedEarlier = context.IsEvicted(pod);
                Protection? protection = movedEarlier ? null : context.Filter(pod) ?? context.Evictor.PreEvictionFilter(pod);
                if (protection is Protection p)
                {
                    // Not counted, as in the descheduler; but say why when the pod is itself a duplicate on this node.
                    if (identities.ContainsKey(identity) || protectedFirst.ContainsKey(identity))
                    {
                        context.Skip(pod, p.Reason, $"duplicate of {Describe(snapshot, owners[0], pods.Namespace[pod])} on {snapshot.Nodes.Name[node]}, but {p.Detail}");
                    }
                    else
                    {
                        protectedFirst[identity] = pod;
                    }

                    continue;
                }

                bool duplicate = identities.ContainsKey(identity);
                if (!duplicate)
                {
                    identities[identity] = pod;
                }

                foreach (OwnerRef owner in owners)
                {
                    var key = new PodKey(pods.Namespace[pod], owner.Kind, owner.Name, images);
                    if (!keys.TryGetValue(key, out OwnerGroup? group))
                    {
                        keys[key] = group = new OwnerGroup(owner, pods.Namespace[pod]);
                        groups.Add(group);
                    }

                    group.Occurrences++;
                    if (duplicate)
                    {
                        group.AddDuplicate(node, pod, evictable: !movedEarlier);
                    }
                }
            }
        }

        foreach (OwnerGroup group in groups)
        {
            if (group.DuplicatesByNode.Count == 0)
            {
                continue;
            }

            if (Balance(context, group, feasibleByRow) == EvictResult.TotalLimitReached)
            {
                return;
            }
        }
    }

    private static EvictResult Balance(PlanningContext context, OwnerGroup group, Dictionary<int, (ulong[] Nodes, int Count)> feasibleByRow)
    {
        ClusterSnapshot snapshot = context.Snapshot;
        int feasible = FeasibleNodes(context, group, feasibleByRow);
        string owner = Describe(snapshot, group.Owner, group.Namespace);
        if (feasible < 2)
        {
            foreach ((int node, List<int> duplicates) in group.DuplicatesByNode)
            {
                foreach (int pod in duplicates)
                {
                    context.Skip(pod, SkipReasons.NodeFit, $"duplicate of {owner} on {snapshot.Nodes.Name[node]}, but only {feasible} node(s) are feasible for it: nowhere to spread");
                }
            }

            return EvictResult.Skipped;
        }

        int upperAvg = (group.Occurrences + feasible - 1) / feasible;
        foreach ((int node, List<int> duplicates) in group.DuplicatesByNode)
        {
            int onNode = group.CountOn(node) + 1;
            if (onNode <= upperAvg)
            {
                continue;
            }

            // Keep upperAvg pods on the node (the descheduler evicts pods[upperAvg-1:]): the last evictable duplicates go.
            string reason = $"{onNode} replicas of {owner} on {snapshot.Nodes.Name[node]}, fair share {upperAvg} over {feasible} feasible nodes ({group.Occurrences} in all)";
            for (int i = Math.Max(0, duplicates.Count - (onNode - upperAvg)); i < duplicates.Count; i++)
            {
                EvictResult result = context.TryEvict(duplicates[i], reason);
                if (result == EvictResult.TotalLimitReached)
                {
                    return result;
                }

                if (result == EvictResult.NodeLimitReached)
                {
                    break;
                }
            }
        }

        return EvictResult.Evicted;
    }

    /// <summary>
    /// getTargetNodes: the nodes where some distinct duplicate (by tolerations, node affinity and nodeSelector) tolerates
    /// the NoSchedule/NoExecute taints and matches the selectors; a distinct pod counts only if more than one node fits it.
    /// Cordoned nodes and free resources are deliberately not checked here, as in the descheduler.
    /// </summary>
    /// <remarks>
    /// Evaluated per distinct static predicate set (<see cref="StaticFitIndex"/>) rather than per pod, with each set's
    /// matching nodes kept as a bitset: the union over a group's sets is then a few hundred word ORs.
    /// </remarks>
    private static int FeasibleNodes(PlanningContext context, OwnerGroup group, Dictionary<int, (ulong[] Nodes, int Count)> feasibleByRow)
    {
        ClusterSnapshot snapshot = context.Snapshot;
        ulong[]? union = null;
        bool shared = false;
        int firstRow = -1;
        int count = 0;
        foreach ((_, List<int> duplicates) in group.DuplicatesByNode)
        {
            foreach (int pod in duplicates)
            {
                int row = context.StaticFit.RowOf(snapshot.Pods.Constraints[pod]);
                if (row == firstRow)
                {
                    continue;
                }

                (ulong[] nodes, int matching) = MatchingNodes(context, row, feasibleByRow);
                if (matching <= 1)
                {
                    continue;
                }

                if (union is null)
                {
                    // Most groups have one static set: share its bitset instead of copying it.
                    union = nodes;
                    shared = true;
                    firstRow = row;
                    count = matching;
                    continue;
                }

                if (shared)
                {
                    union = (ulong[])union.Clone();
                    shared = false;
                }

                count = 0;
                for (int w = 0; w < union.Length; w++)
                {
                    union[w] |= nodes[w];
                    count += System.Numerics.BitOperations.PopCount(union[w]);
                }
            }
        }

        return count;
    }

    private static (ulong[] Nodes, int Count) MatchingNodes(PlanningContext context, int row, Dictionary<int, (ulong[] Nodes, int Count)> cache)
    {
        if (cache.TryGetValue(row, out (ulong[] Nodes, int Count) cached))
        {
            return cached;
        }

        FitFailure[] fit = context.StaticFit.Row(row);
        ulong[] bits = new ulong[(context.Snapshot.Nodes.Count + 63) / 64];
        int count = 0;
        foreach (int node in context.Nodes)
        {
            if (fit[node] == FitFailure.None)
            {
                bits[node >> 6] |= 1UL << (node & 63);
                count++;
            }
        }

        cache[row] = (bits, count);
        return (bits, count);
    }

    private static bool HasExcludedOwner(ReadOnlySpan<OwnerRef> owners, HashSet<int> excludedKinds)
    {
        if (excludedKinds.Count == 0)
        {
            return false;
        }

        foreach (OwnerRef owner in owners)
        {
            if (excludedKinds.Contains(owner.Kind))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The pod's identity: namespace plus its (owner kind, owner name, image) triples for every owner × container image.
    /// With one owner — nearly every pod — that is the owner key itself (namespace, kind, name, images); with several,
    /// the sorted triples are interned. Interned ids are canonical for equal strings, so sorting by id is canonical too.
    /// </summary>
    private static PodKey Identity(ClusterSnapshot snapshot, int pod, int images, SequenceInterner sequences, List<int> scratch)
    {
        PodTable pods = snapshot.Pods;
        ReadOnlySpan<OwnerRef> owners = pods.OwnersOf(pod);
        if (owners.Length == 1)
        {
            return new PodKey(pods.Namespace[pod], owners[0].Kind, owners[0].Name, images);
        }

        ReadOnlySpan<int> imageIds = pods.ImagesOf(pod);
        int count = owners.Length * imageIds.Length;
        Span<(int Kind, int Name, int Image)> triples = count <= 64 ? stackalloc (int, int, int)[count] : new (int, int, int)[count];
        int i = 0;
        foreach (OwnerRef owner in owners)
        {
            foreach (int image in imageIds)
            {
                triples[i++] = (owner.Kind, owner.Name, image);
            }
        }

        triples.Sort();
        scratch.Clear();
        scratch.Add(-1); // keeps triples apart from image lists in the shared interner
        foreach ((int kind, int name, int image) in triples)
        {
            scratch.Add(kind);
            scratch.Add(name);
            scratch.Add(image);
        }

        return new PodKey(pods.Namespace[pod], -1, sequences.Intern(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(scratch)), 0);
    }

    /// <summary>The pod's container images as one int: the image id itself when there is one (even), else the interned sorted list (odd).</summary>
    private static int ImagesKey(ClusterSnapshot snapshot, int pod, SequenceInterner sequences, List<int> scratch)
    {
        ReadOnlySpan<int> images = snapshot.Pods.ImagesOf(pod);
        if (images.Length == 1)
        {
            return images[0] * 2;
        }

        scratch.Clear();
        scratch.Add(-2);
        foreach (int image in images)
        {
            scratch.Add(image);
        }

        System.Runtime.InteropServices.CollectionsMarshal.AsSpan(scratch)[1..].Sort();
        return (sequences.Intern(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(scratch)) * 2) + 1;
    }

    /// <summary>A pod's identity or an owner key: namespace, owner kind and name, images (see <see cref="Identity"/>).</summary>
    private readonly record struct PodKey(int Namespace, int Kind, int Name, int Images);

    private static string Describe(ClusterSnapshot snapshot, OwnerRef owner, int ns) =>
        $"{snapshot.Strings[ns]}/{snapshot.Strings[owner.Kind]} {snapshot.Strings[owner.Name]}";

    private sealed class OwnerGroup(OwnerRef owner, int ns)
    {
        public OwnerRef Owner { get; } = owner;

        public int Namespace { get; } = ns;

        public int Occurrences { get; set; }

        private readonly Dictionary<int, int> _duplicatesOn = [];

        /// <summary>Evictable duplicates (originals excluded) per node, in node visiting order.</summary>
        public List<(int Node, List<int> Pods)> DuplicatesByNode { get; } = [];

        /// <summary>All duplicates on the node, including pods moved there earlier in the plan.</summary>
        public int CountOn(int node) => _duplicatesOn.GetValueOrDefault(node);

        public void AddDuplicate(int node, int pod, bool evictable)
        {
            _duplicatesOn[node] = CountOn(node) + 1;
            if (DuplicatesByNode.Count == 0 || DuplicatesByNode[^1].Node != node)
            {
                DuplicatesByNode.Add((node, []));
            }

            if (evictable)
            {
                DuplicatesByNode[^1].Pods.Add(pod);
            }
        }
    }
}
