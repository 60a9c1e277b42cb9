using Rebalancer.Core.Model;

namespace Rebalancer.Core.Scheduling.Scoring.TaintToleration;

/// <summary>
/// TaintToleration's Score (tainttoleration/taint_toleration.go): the number of the node's PreferNoSchedule taints that
/// the pod's PreferNoSchedule (or effect-less) tolerations do not tolerate, then <c>DefaultNormalizeScore</c> reversed:
/// the node with the most such taints gets 0, a node without any 100. When no node has such a taint every node scores
/// 100, a constant that changes no choice, so the plugin is left out of the sum.
/// </summary>
internal sealed class TaintTolerationScorer : IScorePlugin
{
    private readonly ClusterSnapshot _snapshot;

    // Nodes with at least one PreferNoSchedule taint: usually none, so the common case is a fill.
    private readonly bool[] _preferNoSchedule;
    private readonly bool _any;

    public TaintTolerationScorer(ScoringContext context)
    {
        _snapshot = context.Snapshot;
        _preferNoSchedule = new bool[_snapshot.Nodes.Count];
        for (int n = 0; n < _preferNoSchedule.Length; n++)
        {
            foreach (Taint taint in _snapshot.Nodes.TaintsOf(n))
            {
                if (taint.Effect == TaintEffect.PreferNoSchedule)
                {
                    _preferNoSchedule[n] = true;
                    _any = true;
                }
            }
        }
    }

    public bool Score(int pod, ReadOnlySpan<int> feasible, Span<long> scores)
    {
        if (!_any)
        {
            // No node has a PreferNoSchedule taint: every node scores 100, the same for all, which changes no choice.
            return false;
        }

        Toleration[] tolerations = _snapshot.ConstraintsOf(pod).Tolerations;
        for (int i = 0; i < feasible.Length; i++)
        {
            scores[i] = _preferNoSchedule[feasible[i]] ? Intolerable(_snapshot.Nodes.TaintsOf(feasible[i]), tolerations) : 0;
        }

        ScoreNormalization.Default(scores[..feasible.Length], reverse: true);
        return true;
    }

    /// <summary>countIntolerableTaintsPreferNoSchedule over the tolerations getAllTolerationPreferNoSchedule keeps.</summary>
    internal static long Intolerable(ReadOnlySpan<Taint> taints, Toleration[] tolerations)
    {
        long count = 0;
        foreach (Taint taint in taints)
        {
            if (taint.Effect != TaintEffect.PreferNoSchedule)
            {
                continue;
            }

            bool tolerated = false;
            foreach (Toleration toleration in tolerations)
            {
                if (toleration.Effect is TaintEffect.Any or TaintEffect.PreferNoSchedule && toleration.Tolerates(taint))
                {
                    tolerated = true;
                    break;
                }
            }

            if (!tolerated)
            {
                count++;
            }
        }

        return count;
    }
}
