using System.Text;
using Rebalancer.Core.Evictor;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Scheduling;

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
        var keys = new Dictionary<string, OwnerGroup>(StringComparer.Ordinal);
        var groups = new List<OwnerGroup>();
        var onNode = new List<int>();
        var identities = new Dictionary<string, int>(StringComparer.Ordinal);
        var protectedFirst = new Dictionary<string, int>(StringComparer.Ordinal);
        var builder = new StringBuilder();

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

                string identity = Identity(snapshot, pod, builder);

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
                    string key = OwnerKey(snapshot, pods.Namespace[pod], owner, pod, builder);
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

            if (Balance(context, group) == EvictResult.TotalLimitReached)
            {
                return;
            }
        }
    }

    private static EvictResult Balance(PlanningContext context, OwnerGroup group)
    {
        ClusterSnapshot snapshot = context.Snapshot;
        int feasible = FeasibleNodes(context, group);
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
    private static int FeasibleNodes(PlanningContext context, OwnerGroup group)
    {
        ClusterSnapshot snapshot = context.Snapshot;
        var seenConstraints = new HashSet<int>();
        var union = new HashSet<int>();
        var matching = new List<int>();
        foreach ((_, List<int> duplicates) in group.DuplicatesByNode)
        {
            foreach (int pod in duplicates)
            {
                int constraintsId = snapshot.Pods.Constraints[pod];
                if (!seenConstraints.Add(constraintsId))
                {
                    continue;
                }

                PodConstraints constraints = snapshot.ConstraintSets[constraintsId];
                matching.Clear();
                foreach (int node in context.Nodes)
                {
                    if (Predicates.ToleratesTaints(snapshot.Nodes.TaintsOf(node), constraints.Tolerations, noSchedule: true, noExecute: true, preferNoSchedule: false, out _)
                        && Predicates.MatchesNodeSelector(snapshot, constraints, node))
                    {
                        matching.Add(node);
                    }
                }

                if (matching.Count > 1)
                {
                    union.UnionWith(matching);
                }
            }
        }

        return union.Count;
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

    /// <summary>The pod's identity: sorted "kind/name/image" for every owner × container image (namespace is implied per node scan).</summary>
    private static string Identity(ClusterSnapshot snapshot, int pod, StringBuilder builder)
    {
        PodTable pods = snapshot.Pods;
        ReadOnlySpan<OwnerRef> owners = pods.OwnersOf(pod);
        ReadOnlySpan<int> images = pods.ImagesOf(pod);
        var parts = new List<(string, string, string)>(owners.Length * Math.Max(1, images.Length));
        foreach (OwnerRef owner in owners)
        {
            foreach (int image in images)
            {
                parts.Add((snapshot.Strings[owner.Kind], snapshot.Strings[owner.Name], snapshot.Strings[image]));
            }
        }

        parts.Sort(StringComparer.Ordinal.Compare3);
        builder.Clear();
        builder.Append(pods.Namespace[pod]);
        foreach ((string kind, string name, string image) in parts)
        {
            builder.Append('\n').Append(kind).Append('/').Append(name).Append('/').Append(image);
        }

        return builder.ToString();
    }

    /// <summary>The owner key (namespace, kind, name, sorted images joined with '#'); the owner's uid is not part of it.</summary>
    private static string OwnerKey(ClusterSnapshot snapshot, int ns, OwnerRef owner, int pod, StringBuilder builder)
    {
        ReadOnlySpan<int> images = snapshot.Pods.ImagesOf(pod);
        string[] names = new string[images.Length];
        for (int i = 0; i < images.Length; i++)
        {
            names[i] = snapshot.Strings[images[i]];
        }

        Array.Sort(names, StringComparer.Ordinal);
        builder.Clear();
        builder.Append(ns).Append('/').Append(owner.Kind).Append('/').Append(owner.Name).Append('/').AppendJoin('#', names);
        return builder.ToString();
    }

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

internal static class TupleComparison
{
    public static int Compare3(this StringComparer comparer, (string, string, string) a, (string, string, string) b)
    {
        int c = comparer.Compare(a.Item1, b.Item1);
        if (c != 0)
        {
            return c;
        }

        c = comparer.Compare(a.Item2, b.Item2);
        return c != 0 ? c : comparer.Compare(a.Item3, b.Item3);
    }
}
