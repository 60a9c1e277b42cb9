using System.Globalization;
using Rebalancer.Core.Model;

namespace Rebalancer.Core.Scheduling;

/// <summary>The scheduler's static predicates over interned ids (component-helpers/scheduling/corev1).</summary>
public static class Predicates
{
    /// <summary>True when the pod tolerates every taint of the node with one of the given effects.</summary>
    public static bool ToleratesTaints(ReadOnlySpan<Taint> taints, Toleration[] tolerations, bool noSchedule, bool noExecute, bool preferNoSchedule, out Taint untolerated)
    {
        foreach (Taint taint in taints)
        {
            bool counted = taint.Effect switch
            {
                TaintEffect.NoSchedule => noSchedule,
                TaintEffect.NoExecute => noExecute,
                TaintEffect.PreferNoSchedule => preferNoSchedule,
                _ => false,
            };
            if (counted && !Tolerates(tolerations, taint))
            {
                untolerated = taint;
                return false;
            }
        }

        untolerated = default;
        return true;
    }

    public static bool Tolerates(Toleration[] tolerations, Taint taint)
    {
        foreach (Toleration toleration in tolerations)
        {
            if (toleration.Tolerates(taint))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>PodMatchNodeSelector: spec.nodeSelector and required node affinity (terms ORed, requirements ANDed).</summary>
    public static bool MatchesNodeSelector(ClusterSnapshot snapshot, PodConstraints constraints, int node)
    {
        LabelView labels = snapshot.Nodes.Labels[node];
        foreach ((int key, int value) in constraints.NodeSelector)
        {
            if (!labels.TryGet(key, out int actual) || actual != value)
            {
                return false;
            }
        }

        NodeSelectorTerm[]? terms = constraints.RequiredNodeAffinity;
        if (terms is null)
        {
            return true;
        }

        foreach (NodeSelectorTerm term in terms)
        {
            if (MatchesTerm(snapshot, term, node))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A node selector term matches when it has at least one requirement and all of them hold.</summary>
    public static bool MatchesTerm(ClusterSnapshot snapshot, NodeSelectorTerm term, int node)
    {
        if (term.Requirements.Length == 0)
        {
            return false; // An empty term matches no objects (v1 NodeSelectorTerm semantics).
        }

        LabelView labels = snapshot.Nodes.Labels[node];
        foreach (NodeSelectorRequirement requirement in term.Requirements)
        {
            if (!Matches(snapshot, requirement, labels, node))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Σ weights of the preferred node-affinity terms the node matches (the descheduler's preferred-affinity score).</summary>
    public static int PreferredAffinityScore(ClusterSnapshot snapshot, PodConstraints constraints, int node)
    {
        int score = 0;
        foreach (PreferredSchedulingTerm preferred in constraints.PreferredNodeAffinity)
        {
            if (MatchesTerm(snapshot, preferred.Term, node))
            {
                score += preferred.Weight;
            }
        }

        return score;
    }

    private static bool Matches(ClusterSnapshot snapshot, NodeSelectorRequirement requirement, LabelView labels, int node)
    {
        int value;
        bool present;
        string? raw = null;
        if (requirement.IsField)
        {
            // matchFields supports metadata.name only.
            raw = snapshot.Nodes.Name[node];
            value = snapshot.Strings.Find(raw);
            present = true;
        }
        else
        {
            present = labels.TryGet(requirement.Key, out value);
        }

        switch (requirement.Operator)
        {
            case SelectorOperator.In:
                return present && Array.IndexOf(requirement.Values, value) >= 0;
            case SelectorOperator.NotIn:
                return !present || Array.IndexOf(requirement.Values, value) < 0;
            case SelectorOperator.Exists:
                return present;
            case SelectorOperator.DoesNotExist:
                return !present;
            case SelectorOperator.Gt:
            case SelectorOperator.Lt:
                if (!present || requirement.RawValues.Length != 1)
                {
                    return false;
                }

                raw ??= snapshot.Strings[value];
                if (!long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long actual)
                    || !long.TryParse(requirement.RawValues[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long bound))
                {
                    return false;
                }

                return requirement.Operator == SelectorOperator.Gt ? actual > bound : actual < bound;
            default:
                return false;
        }
    }

    /// <summary>Whether a pod affinity term (declared by a pod in <paramref name="ownerNamespace"/>) selects the given pod.</summary>
    public static bool TermSelects(ClusterSnapshot snapshot, PodAffinityTerm term, int ownerNamespace, int pod)
    {
        PodTable pods = snapshot.Pods;
        int ns = pods.Namespace[pod];
        bool namespaceMatches;
        if (term.Namespaces.Length == 0 && term.NamespaceSelector is null)
        {
            namespaceMatches = ns == ownerNamespace;
        }
        else
        {
            namespaceMatches = Array.IndexOf(term.Namespaces, ns) >= 0;
            if (!namespaceMatches && term.NamespaceSelector is not null)
            {
                if (term.NamespaceSelector.IsEverything)
                {
                    namespaceMatches = true;
                }
                else
                {
                    int row = snapshot.Namespaces.IndexOf(ns);
                    namespaceMatches = row >= 0 && term.NamespaceSelector.Matches(snapshot.Namespaces.Labels[row]);
                }
            }
        }

        return namespaceMatches && term.Selector.Matches(pods.Labels[pod]);
    }

    /// <summary>The constraint's selector ANDed with the declaring pod's values of <c>matchLabelKeys</c> (keys it lacks are ignored), as the scheduler's filterTopologySpreadConstraints does.</summary>
    public static LabelSelector MergeMatchLabelKeys(TopologySpreadConstraint tsc, LabelView labels)
    {
        if (tsc.MatchLabelKeys.Length == 0 || tsc.Selector.MatchesNothing)
        {
            return tsc.Selector;
        }

        var requirements = new List<SelectorRequirement>(tsc.Selector.Requirements);
        foreach (int key in tsc.MatchLabelKeys)
        {
            if (labels.TryGet(key, out int value))
            {
                requirements.Add(new SelectorRequirement(key, SelectorOperator.In, [value]));
            }
        }

        return requirements.Count == tsc.Selector.Requirements.Length ? tsc.Selector : new LabelSelector([.. requirements]);
    }
}
