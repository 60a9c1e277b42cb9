using System.Text;
using Rebalancer.Core.Model;
using Rebalancer.Core.Planning;
using Rebalancer.Core.Scheduling;
using Rebalancer.Core.Strategies.PodLifeTime;

namespace Rebalancer.Core.Strategies.RemovePodsViolatingNodeAffinity;

/// <summary>
/// Evicts running pods whose node no longer satisfies their node affinity (descheduler-semantics §1.5), one pass per
/// <c>nodeAffinityType</c> in the order given:
/// <list type="bullet">
/// <item><c>requiredDuringSchedulingIgnoredDuringExecution</c>: the pod has required node affinity and its node no
/// longer matches its nodeSelector / required terms. It must fit some other node; the projection checks that
/// (<see cref="PlanningContext.TryEvict"/> records a NodeFit skip when none does).</item>
/// <item><c>preferredDuringSchedulingIgnoredDuringExecution</c>: the pod has preferred terms and some node scores a higher
/// Σ weight than its own. It is only evicted to such a better node that fits, so the projection places it there.</item>
/// </list>
/// Node limit → next node, total limit → stop.
/// </summary>
public sealed class RemovePodsViolatingNodeAffinityStrategy : IStrategy
{
    public const string PluginName = "RemovePodsViolatingNodeAffinity";

    private readonly RemovePodsViolatingNodeAffinitySettings _settings;

    public RemovePodsViolatingNodeAffinityStrategy(RemovePodsViolatingNodeAffinitySettings settings) => _settings = settings;

    public string Name => PluginName;

    public void Run(PlanningContext context)
    {
        var scope = new PodScope(context.Snapshot, _settings.Namespaces, _settings.LabelSelector);
        foreach (string type in _settings.NodeAffinityType.Distinct(StringComparer.Ordinal))
        {
            bool required = type == RemovePodsViolatingNodeAffinitySettings.Required;
            if (!required && type != RemovePodsViolatingNodeAffinitySettings.Preferred)
            {
                continue;
            }

            if ((required ? EvictRequired(context, scope) : EvictPreferred(context, scope)) == EvictResult.TotalLimitReached)
            {
                return;
            }
        }
    }

    private static EvictResult EvictRequired(PlanningContext context, PodScope scope)
    {
        ClusterSnapshot snapshot = context.Snapshot;
        foreach (int node in context.Nodes)
        {
            foreach (int pod in snapshot.PodsOn(node))
            {
                PodConstraints constraints = snapshot.ConstraintsOf(pod);
                if (constraints.RequiredNodeAffinity is null || context.Projection.NodeOf(pod) != node || !scope.Contains(pod)
                    || Predicates.MatchesNodeSelector(snapshot, constraints, node))
                {
                    continue;
                }

                EvictResult result = context.TryEvict(pod, $"node {snapshot.Nodes.Name[node]} no longer matches {DescribeRequired(snapshot, constraints, node)}");
                if (result is EvictResult.TotalLimitReached)
                {
                    return result;
                }

                if (result is EvictResult.NodeLimitReached)
                {
                    break;
                }
            }
        }

        return EvictResult.Evicted;
    }

    private static EvictResult EvictPreferred(PlanningContext context, PodScope scope)
    {
        ClusterSnapshot snapshot = context.Snapshot;
        var scores = new Dictionary<int, int[]>();
        var bestNodes = new Dictionary<int, int>();
        foreach (int node in context.Nodes)
        {
            foreach (int pod in snapshot.PodsOn(node))
            {
                PodConstraints constraints = snapshot.ConstraintsOf(pod);
                if (constraints.PreferredNodeAffinity.Length == 0 || context.Projection.NodeOf(pod) != node || !scope.Contains(pod))
                {
                    continue;
                }

                int[] score = Scores(context, scores, pod);
                int current = score[node];

                // The best node depends only on the constraint set: found once per set, not once per pod (O(P × N)).
                int constraintsId = snapshot.Pods.Constraints[pod];
                if (!bestNodes.TryGetValue(constraintsId, out int best))
                {
                    best = -1;
                    foreach (int n in context.Nodes)
                    {
                        if (best < 0 || score[n] > score[best])
                        {
                            best = n;
                        }
                    }

                    bestNodes[constraintsId] = best;
                }

                if (best < 0 || score[best] <= current)
                {
                    continue;
                }

                string reason = $"preferred node affinity weight {current} on {snapshot.Nodes.Name[node]} < {score[best]} on {snapshot.Nodes.Name[best]}";
                EvictResult result = context.TryEvict(pod, reason, allowTarget: n => score[n] > current);
                if (result is EvictResult.TotalLimitReached)
                {
                    return result;
                }

                if (result is EvictResult.NodeLimitReached)
                {
                    break;
                }
            }
        }

        return EvictResult.Evicted;
    }

    /// <summary>Σ weights of the matching preferred terms on every node, cached per constraint set.</summary>
    private static int[] Scores(PlanningContext context, Dictionary<int, int[]> cache, int pod)
    {
        ClusterSnapshot snapshot = context.Snapshot;
        int id = snapshot.Pods.Constraints[pod];
        if (!cache.TryGetValue(id, out int[]? scores))
        {
            PodConstraints constraints = snapshot.ConstraintSets[id];
            scores = new int[snapshot.Nodes.Count];
            for (int n = 0; n < scores.Length; n++)
            {
                scores[n] = Predicates.PreferredAffinityScore(snapshot, constraints, n);
            }

            cache[id] = scores;
        }

        return scores;
    }

    /// <summary>"nodeSelector (disk=ssd)" or "required node affinity (zone in (a,b))", whichever the node fails.</summary>
    private static string DescribeRequired(ClusterSnapshot snapshot, PodConstraints constraints, int node)
    {
        var text = new StringBuilder();
        LabelView labels = snapshot.Nodes.Labels[node];
        foreach ((int key, int value) in constraints.NodeSelector)
        {
            if (!labels.TryGet(key, out int actual) || actual != value)
            {
                text.Append(text.Length == 0 ? "nodeSelector (" : ",").Append(snapshot.Strings[key]).Append('=').Append(snapshot.Strings[value]);
            }
        }

        if (text.Length > 0)
        {
            return text.Append(')').ToString();
        }

        text.Append("required node affinity (");
        NodeSelectorTerm[] terms = constraints.RequiredNodeAffinity ?? [];
        for (int t = 0; t < terms.Length; t++)
        {
            text.Append(t == 0 ? string.Empty : " or ");
            NodeSelectorRequirement[] requirements = terms[t].Requirements;
            for (int r = 0; r < requirements.Length; r++)
            {
                text.Append(r == 0 ? string.Empty : ", ").Append(Describe(snapshot, requirements[r]));
            }
        }

        return text.Append(')').ToString();
    }

    private static string Describe(ClusterSnapshot snapshot, NodeSelectorRequirement requirement)
    {
        string key = requirement.IsField ? "metadata.name" : snapshot.Strings[requirement.Key];
        string values = string.Join(",", requirement.RawValues);
        return requirement.Operator switch
        {
            SelectorOperator.In => $"{key} in ({values})",
            SelectorOperator.NotIn => $"{key} notin ({values})",
            SelectorOperator.Exists => key,
            SelectorOperator.DoesNotExist => "!" + key,
            SelectorOperator.Gt => $"{key} > {values}",
            SelectorOperator.Lt => $"{key} < {values}",
            _ => key,
        };
    }
}
