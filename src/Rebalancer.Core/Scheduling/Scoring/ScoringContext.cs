using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;

namespace Rebalancer.Core.Scheduling.Scoring;

/// <summary>
/// What score plugins read: the snapshot, the projection (where every pod is after the moves planned so far, with the
/// scheduler's non-zero requests per node), the static predicates, and indexes shared by plugins and the target filters.
/// A pod being placed is never counted on the node it leaves: in the cluster the evicted pod is gone by the time its
/// replacement is scheduled.
/// </summary>
public sealed class ScoringContext
{
    private Dictionary<(int Namespace, int Kind, int Name), List<int>>? _ownerPods;
    private readonly Dictionary<int, int[]> _nodeValues = [];
    private readonly Dictionary<int, (int[] DomainOfNode, int Domains)> _domains = [];
    private readonly Dictionary<int, Dictionary<int, int[]>> _nodesWithLabel = [];
    private static readonly string[] SpreadOwnerKinds = ["ReplicaSet", "StatefulSet", "ReplicationController"];
    private readonly int[] _ownerKinds;

    public ScoringContext(ClusterSnapshot snapshot, Projection projection, StaticFitIndex staticFit)
    {
        Snapshot = snapshot;
        Projection = projection;
        StaticFit = staticFit;
        HostnameKey = snapshot.Strings.Find(WellKnown.Hostname);
        ZoneKey = snapshot.Strings.Find(WellKnown.Zone);
        _ownerKinds = [.. SpreadOwnerKinds.Select(snapshot.Strings.Find).Where(id => id >= 0)];
    }

    public ClusterSnapshot Snapshot { get; }

    public Projection Projection { get; }

    public StaticFitIndex StaticFit { get; }

    /// <summary>The id of <c>kubernetes.io/hostname</c>, or -1 when no label has it.</summary>
    public int HostnameKey { get; }

    /// <summary>The id of <c>topology.kubernetes.io/zone</c>, or -1.</summary>
    public int ZoneKey { get; }

    /// <summary>
    /// Every node's value of label <paramref name="key"/> (-1 where the node lacks it), built once per key: topology
    /// lookups run for every feasible node of every placement, and a node's labels are a short list to walk.
    /// </summary>
    public int[] NodeValues(int key)
    {
        if (!_nodeValues.TryGetValue(key, out int[]? values))
        {
            NodeTable nodes = Snapshot.Nodes;
            values = new int[nodes.Count];
            for (int n = 0; n < values.Length; n++)
            {
                values[n] = key < 0 ? -1 : nodes.Labels[n].Get(key);
            }

            _nodeValues[key] = values;
        }

        return values;
    }

    /// <summary>
    /// Every node's topology domain for label <paramref name="key"/> as a dense index: the distinct values numbered
    /// 0…<c>Domains − 1</c> in node order, and <c>Domains</c> itself for nodes without the label (kube-scheduler counts
    /// those as the domain "" where it does not require the key). Counting per domain is then an array access.
    /// </summary>
    public (int[] DomainOfNode, int Domains) DomainIndex(int key)
    {
        if (!_domains.TryGetValue(key, out (int[] DomainOfNode, int Domains) index))
        {
            int[] values = NodeValues(key);
            int[] domainOf = new int[values.Length];
            var ids = new Dictionary<int, int>();
            for (int n = 0; n < values.Length; n++)
            {
                if (values[n] >= 0 && !ids.TryGetValue(values[n], out domainOf[n]))
                {
                    domainOf[n] = ids[values[n]] = ids.Count;
                }
            }

            for (int n = 0; n < values.Length; n++)
            {
                if (values[n] < 0)
                {
                    domainOf[n] = ids.Count;
                }
            }

            index = (domainOf, ids.Count);
            _domains[key] = index;
        }

        return index;
    }

    /// <summary>The nodes whose label <paramref name="key"/> is <paramref name="value"/>, ascending (built once per key).</summary>
    public ReadOnlySpan<int> NodesWithLabel(int key, int value)
    {
        if (!_nodesWithLabel.TryGetValue(key, out Dictionary<int, int[]>? byValue))
        {
            int[] values = NodeValues(key);
            byValue = values.Select((v, n) => (v, n)).Where(x => x.v >= 0).GroupBy(x => x.v).ToDictionary(g => g.Key, g => g.Select(x => x.n).ToArray());
            _nodesWithLabel[key] = byValue;
        }

        return byValue.TryGetValue(value, out int[]? nodes) ? nodes : [];
    }

    /// <summary>The label sets a pod (anti-)affinity term may select: its namespaces' (its own by default), or all with a namespace selector.</summary>
    public IEnumerable<int> SetsFor(PodAffinityTerm term, int ownNamespace)
    {
        PodLabelSets sets = Snapshot.PodLabelSets;
        if (term.NamespaceSelector is not null)
        {
            return Enumerable.Range(0, sets.Count);
        }

        if (term.Namespaces.Length == 0)
        {
            return sets.CandidateSets(ownNamespace, term.Selector);
        }

        return term.Namespaces.SelectMany(ns => sets.CandidateSets(ns, term.Selector));
    }

    /// <summary>
    /// The controller owner the scheduler's system-default spreading would select <paramref name="pod"/>'s siblings by:
    /// its ReplicaSet, StatefulSet or ReplicationController (kube-scheduler's <c>DefaultSelector</c> intersects the
    /// selectors of the Services and such controllers selecting the pod; the snapshot has no Services, so the pods of the
    /// owning controller stand for it). False for pods without such an owner: no default spreading, as for a pod that
    /// no Service or controller selects.
    /// </summary>
    public bool TryGetSpreadOwner(int pod, out (int Namespace, int Kind, int Name) owner)
    {
        owner = default;
        if (!Snapshot.Pods.TryGetController(pod, out OwnerRef controller) || Array.IndexOf(_ownerKinds, controller.Kind) < 0)
        {
            return false;
        }

        owner = (Snapshot.Pods.Namespace[pod], controller.Kind, controller.Name);
        return true;
    }

    /// <summary>The pods whose spread owner is <paramref name="owner"/>, ascending (built on first use).</summary>
    public IReadOnlyList<int> PodsOfOwner((int Namespace, int Kind, int Name) owner)
    {
        if (_ownerPods is null)
        {
            _ownerPods = [];
            for (int p = 0; p < Snapshot.Pods.Count; p++)
            {
                if (TryGetSpreadOwner(p, out var key))
                {
                    if (!_ownerPods.TryGetValue(key, out List<int>? list))
                    {
                        _ownerPods[key] = list = [];
                    }

                    list.Add(p);
                }
            }
        }

        return _ownerPods.TryGetValue(owner, out List<int>? pods) ? pods : [];
    }
}

/// <summary>Well-known label keys the scheduler model reads.</summary>
public static class WellKnown
{
    public const string Hostname = "kubernetes.io/hostname";
    public const string Zone = "topology.kubernetes.io/zone";
}
