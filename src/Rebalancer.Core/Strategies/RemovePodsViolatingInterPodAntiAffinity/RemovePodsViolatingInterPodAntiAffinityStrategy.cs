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
        var all = new List<int>();
        var byNamespace = new Dictionary<int, List<int>>();
        for (int p = 0; p < pods.Count; p++)
        {
            if (context.Projection.NodeOf(p) < 0 || !scope.Contains(p))
            {
                continue;
            }

            all.Add(p);
            if (!byNamespace.TryGetValue(pods.Namespace[p], out List<int>? list))
            {
                byNamespace[pods.Namespace[p]] = list = [];
            }

            list.Add(p);
        }

        var conflicts = new Conflicts(snapshot, context.Projection, considered, all, byNamespace);
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
    private sealed class Conflicts(ClusterSnapshot snapshot, Projection projection, bool[] considered, List<int> all, Dictionary<int, List<int>> byNamespace)
    {
        public bool Find(int pod, int node, PodAffinityTerm[] terms, out int other, out PodAffinityTerm? term)
        {
            int ownNamespace = snapshot.Pods.Namespace[pod];
            foreach (PodAffinityTerm t in terms)
            {
                if (t.NamespaceSelector is not null)
                {
                    if (Scan(all, pod, node, ownNamespace, t, out other))
                    {
                        term = t;
                        return true;
                    }

                    continue;
                }

                if (t.Namespaces.Length == 0)
                {
                    if (byNamespace.TryGetValue(ownNamespace, out List<int>? own) && Scan(own, pod, node, ownNamespace, t, out other))
                    {
                        term = t;
                        return true;
                    }

                    continue;
                }

                foreach (int ns in t.Namespaces)
                {
                    if (byNamespace.TryGetValue(ns, out List<int>? list) && Scan(list, pod, node, ownNamespace, t, out other))
                    {
                        term = t;
                        return true;
                    }
                }
            }

            other = -1;
            term = null;
            return false;
        }

        private bool Scan(List<int> pods, int pod, int node, int ownNamespace, PodAffinityTerm term, out int found)
        {
            LabelView nodeLabels = snapshot.Nodes.Labels[node];
            bool hasDomain = nodeLabels.TryGet(term.TopologyKey, out int domain);
            foreach (int other in pods)
            {
                int otherNode = projection.NodeOf(other);
                if (other == pod || otherNode < 0 || !considered[otherNode])
                {
                    continue;
                }

                bool sameDomain = otherNode == node
                    || (hasDomain && snapshot.Nodes.Labels[otherNode].TryGet(term.TopologyKey, out int value) && value == domain);
                if (sameDomain && Predicates.TermSelects(snapshot, term, ownNamespace, other))
                {
                    found = other;
                    return true;
                }
            }

            found = -1;
            return false;
        }
    }
}
