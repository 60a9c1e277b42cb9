using Rebalancer.Core.Model;

namespace Rebalancer.Core.Scheduling;

/// <summary>Taint failures as the report words them, for the plugins that check taints outside the target finder.</summary>
internal static class TaintText
{
    /// <summary><c>key=value:Effect</c>, or <c>key:Effect</c> for a taint without a value.</summary>
    public static string Describe(StringTable strings, Taint taint) =>
        strings[taint.Key] + (taint.Value == 0 ? string.Empty : "=" + strings[taint.Value]) + ":" + taint.Effect;

    /// <summary>
    /// Why <paramref name="pod"/> fits none of <paramref name="nodes"/> by taints, naming the first node and the taint it
    /// does not tolerate there: "does not tolerate the taints of any of the 2 underutilized node(s); n3: taint x:NoSchedule is not tolerated".
    /// </summary>
    public static string NoTolerableNode(ClusterSnapshot snapshot, int pod, IReadOnlyList<int> nodes, string kind, bool preferNoSchedule)
    {
        string text = $"does not tolerate the taints of any of the {nodes.Count} {kind} node(s)";
        if (nodes.Count == 0)
        {
            return text;
        }

        int node = nodes[0];
        Predicates.ToleratesTaints(snapshot.Nodes.TaintsOf(node), snapshot.ConstraintsOf(pod).Tolerations, noSchedule: true, noExecute: true, preferNoSchedule, out Taint taint);
        return $"{text}; {snapshot.Nodes.Name[node]}: taint {Describe(snapshot.Strings, taint)} is not tolerated";
    }
}
