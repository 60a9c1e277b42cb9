using System.Text;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Strategies.NodeUtilization;
using Rebalancer.Core.Scheduling;
using Rebalancer.Core.Strategies.PodLifeTime;

namespace Rebalancer.Core.Strategies.RemovePodsViolatingInterPodAntiAffinity;

/// <summary>
/// Evicts running pods whose own required pod anti-affinity is violated (descheduler-semantics §1.4). Every running pod
/// in the plugin's namespaces and labelSelector counts as a conflict, evictable or not. Per node, candidates are taken
/// lowest priority first (no priority before any), then BestEffort, Burstable, Guaranteed, then pods without the
/// prefer-no-eviction annotation. A candidate is evicted when one of its required anti-affinity terms selects another
/// pod in its topology domain: the same node always, otherwise both nodes carry the term's topologyKey with equal
/// values. Conflicts are read from the projection, so an evicted pod no longer counts on its old node and its peers stay.
/// Preferred anti-affinity terms are ignored. Node limit → next node, total limit → stop.
/// </summary>
public sealed class RemovePodsViolatingInterPodAntiAffinityStrategy : IStrategy
{
    public const string PluginName = "RemovePodsViolatingInterPodAntiAffinity";

    private readonly RemovePodsViolatingInterPodAntiAffinitySettings _settings;

    public RemovePodsViolatingInterPodAntiAffinityStrategy(RemovePodsViolatingInterPodAntiAffinitySettings settings) => _settings = settings;

    public string Name => PluginName;

    public void Run(PlanningContext context)
    {
        ClusterSnapshot snapshot = context.Snapshot;
        PodTable pods = snapshot.Pods;
        var scope = new PodScope(snapshot, _settings.Namespaces, _settings.LabelSelector);
        var considered = new bool[snapshot.Nodes.Count];
        foreach (int node in context.Nodes)
        {
            considered[node] = true;
        }

        // The pods that count as conflicts: running and in scope (their projected node is checked when used).
        bool[] inScope = new bool[pods.Count];
        for (int p = 0; p < pods.Count; p++)
        {
            inScope[p] = context.Projection.NodeOf(p) >= 0 && scope.Contains(p);
        }

        var conflicts = new Conflicts(snapshot, context.Projection, considered, inScope);
        var candidates = new List<int>();
        foreach (int node in context.Nodes)
        {
            candidates.Clear();
            foreach (int pod in snapshot.PodsOn(node))
            {
                if (context.Projection.NodeOf(pod) == node && scope.Contains(pod))
                {
                    candidates.Add(pod);
                }
            }

            PodOrdering.SortForEviction(snapshot, candidates);
            foreach (int pod in candidates)
            {
                PodAffinityTerm[] terms = snapshot.ConstraintsOf(pod).RequiredPodAntiAffinity;
                if (terms.Length == 0 || !conflicts.Find(pod, node, terms, out int other, out PodAffinityTerm? term))
                {
                    continue;
                }

                int otherNode = context.Projection.NodeOf(other);
                string reason = $"required anti-affinity ({Describe(snapshot.Strings, term!.Selector)}, topologyKey {snapshot.Strings[term.TopologyKey]}) "
                    + $"matches {snapshot.PodKey(other)} on {snapshot.Nodes.Name[otherNode]}";
                EvictResult result = context.TryEvict(pod, reason);
                if (result == EvictResult.TotalLimitReached)
                {
                    return;
                }

                if (result == EvictResult.NodeLimitReached)
                {
                    break;
                }
            }
        }
    }

    private static string Describe(StringTable strings, LabelSelector selector)
    {
        if (selector.MatchesNothing)
        {
            return "<nothing>";
        }

        if (selector.IsEverything)
        {
            return "<every pod>";
        }

        var text = new StringBuilder();
        foreach (SelectorRequirement r in selector.Requirements)
        {
            text.Append(text.Length == 0 ? string.Empty : ",");
            string key = strings[r.Key];
            string values = string.Join(",", r.Values.Select(v => v >= 0 ? strings[v] : "?"));
            text.Append(r.Operator switch
            {
                SelectorOperator.In when r.Values.Length == 1 => $"{key}={values}",
                SelectorOperator.In => $"{key} in ({values})",
                SelectorOperator.NotIn => $"{key} notin ({values})",
                SelectorOperator.Exists => key,
                SelectorOperator.DoesNotExist => "!" + key,
                _ => key,
            });
        }

        return text.ToString();
    }

    /// <summary>Finds, in the projection, a pod that a candidate's required anti-affinity term selects in the candidate's domain.</summary>
    /// <remarks>
    /// Terms are matched once per set of identically labelled pods (<see cref="PodLabelSets"/>), not once per pod: a
    /// per-pod scan of the namespace for every anti-affinity pod was quadratic in the pods of a namespace.
    /// </remarks>
    private sealed class Conflicts(ClusterSnapshot snapshot, Projection projection, bool[] considered, bool[] inScope)
    {
        public bool Find(int pod, int node, PodAffinityTerm[] terms, out int other, out PodAffinityTerm? term)
        {
            int ownNamespace = snapshot.Pods.Namespace[pod];
            PodLabelSets sets = snapshot.PodLabelSets;
            foreach (PodAffinityTerm t in terms)
            {
                IEnumerable<int> candidates = t.NamespaceSelector is not null ? Enumerable.Range(0, sets.Count)
                    : t.Namespaces.Length == 0 ? sets.CandidateSets(ownNamespace, t.Selector)
                    : t.Namespaces.SelectMany(ns => sets.CandidateSets(ns, t.Selector));
                if (Scan(candidates, pod, node, ownNamespace, t, out other))
                {
                    term = t;
                    return true;
                }
            }

            other = -1;
            term = null;
            return false;
        }

        /// <summary>The lowest-index pod of the sets that the term selects and that runs in the node's topology domain.</summary>
        private bool Scan(IEnumerable<int> candidateSets, int pod, int node, int ownNamespace, PodAffinityTerm term, out int found)
        {
            PodLabelSets sets = snapshot.PodLabelSets;
            LabelView nodeLabels = snapshot.Nodes.Labels[node];
            bool hasDomain = nodeLabels.TryGet(term.TopologyKey, out int domain);
            found = -1;
            foreach (int set in candidateSets)
            {
                if (!Predicates.TermSelects(snapshot, term, ownNamespace, sets.RepresentativeOf(set)))
                {
                    continue;
                }

                foreach (int other in sets.PodsOf(set))
                {
                    if (found >= 0 && other > found)
                    {
                        break; // pods of a set are ascending: nothing lower follows
                    }

                    int otherNode = projection.NodeOf(other);
                    if (other == pod || !inScope[other] || otherNode < 0 || !considered[otherNode])
                    {
                        continue;
                    }

                    if (otherNode == node || (hasDomain && snapshot.Nodes.Labels[otherNode].TryGet(term.TopologyKey, out int value) && value == domain))
                    {
                        found = other;
                        break;
                    }
                }
            }

            return found >= 0;
        }
    }
}
